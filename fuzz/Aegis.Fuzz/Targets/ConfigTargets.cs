using Aegis.Core.Consensus;
using Aegis.Core.Crypto;
using Aegis.Node.Configuration;
using Aegis.Node.Identity;

namespace Aegis.Fuzz.Targets;

/// <summary>
/// Files an operator (or an attacker with write access to a config folder) hands the node: config.yaml, genesis.json
/// and the key file. They are read through their public entry points, which take paths, so each input is written to a
/// private scratch folder first (in /dev/shm where it exists). Clear errors: problem lines, or <see cref="FormatException"/> for key files.
/// </summary>
public static class ConfigTargets
{
    private static readonly IReadOnlyDictionary<string, string?> NoEnvironment = new Dictionary<string, string?>();

    private static readonly Lazy<string> Scratch = new(() =>
    {
        string root = Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
        string dir = Path.Combine(root, $"aegis-fuzz-{Environment.ProcessId}");
        Directory.CreateDirectory(dir);
        return dir;
    });

    public static IEnumerable<FuzzTarget> All =>
    [
        new("config-yaml", "config", "ConfigLoader.Load (YAML, ${VAR} expansion, validation)", ConfigYaml),
        new("genesis-json", "config", "GenesisDocument.Parse", GenesisJson),
        new("key-file", "config", "KeyFile.ReadSigner", KeyFileTarget),
    ];

    private static void ConfigYaml(ReadOnlySpan<byte> input)
    {
        string path = Write("config.yaml", input);

        // "Never throws for a user mistake": every problem is a line, and a config comes back only without problems.
        ConfigResult result = ConfigLoader.Load(path, NoEnvironment);
        if (result.Config is null == (result.Problems.Count == 0))
        {
            throw new FuzzOracleException($"config: {(result.Config is null ? "no config and no problem" : "a config and problems")} at once");
        }

        foreach (string problem in result.Problems)
        {
            if (string.IsNullOrWhiteSpace(problem) || problem.Contains('\n', StringComparison.Ordinal))
            {
                throw new FuzzOracleException($"config: a problem line that is empty or spans lines: '{problem}'");
            }
        }
    }

    private static void GenesisJson(ReadOnlySpan<byte> input)
    {
        Genesis? genesis = GenesisDocument.Parse(System.Text.Encoding.UTF8.GetString(input), out List<string> problems);
        if (genesis is null == (problems.Count == 0))
        {
            throw new FuzzOracleException($"genesis: {(genesis is null ? "no genesis and no problem" : "a genesis and problems")} at once");
        }
    }

    private static void KeyFileTarget(ReadOnlySpan<byte> input)
    {
        string path = Write("node.key", input);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        try
        {
            (KeyFile.ReadSigner(path) as IDisposable)?.Dispose();
        }
        catch (FormatException ex)
        {
            FuzzOracleException.RequireMessage(ex);
        }
    }

    private static string Write(string name, ReadOnlySpan<byte> input)
    {
        string path = Path.Combine(Scratch.Value, name);
        using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            file.Write(input);
        }

        return path;
    }
}
