using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Aegis.Node.Configuration;

/// <summary>The outcome of loading a config: the effective config, or every problem found (one line each).</summary>
public sealed record ConfigResult(AegisConfig? Config, IReadOnlyList<string> Problems, string ConfigDirectory)
{
    public bool Ok => Problems.Count == 0 && Config is not null;
}

/// <summary>
/// YAML file → ${VAR} expansion → AEGIS_* environment overrides (they win) → relative paths resolved against the
/// config file's folder → validation. Never throws for a user mistake: it reports.
/// </summary>
public static partial class ConfigLoader
{
    public static ConfigResult Load(string path, IReadOnlyDictionary<string, string?> environment)
    {
        string fullPath = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(fullPath)!;
        if (!File.Exists(fullPath))
        {
            return new ConfigResult(null, [$"config: {path} — file not found"], dir);
        }

        string yaml = File.ReadAllText(fullPath);
        var problems = new List<string>();
        yaml = Expand(yaml, environment, problems);
        AegisConfig config;
        try
        {
            IDeserializer deserializer = new DeserializerBuilder().WithNamingConvention(UnderscoredNamingConvention.Instance).Build();
            config = deserializer.Deserialize<AegisConfig?>(yaml) ?? new AegisConfig();
        }
        catch (YamlException ex)
        {
            return new ConfigResult(null, [DescribeYamlError(ex)], dir);
        }

        ApplyEnvironment(config, environment, problems);
        ResolvePaths(config, dir);
        problems.AddRange(ConfigValidator.Validate(config));
        return new ConfigResult(problems.Count == 0 ? config : null, problems, dir);
    }

    public static IReadOnlyDictionary<string, string?> ProcessEnvironment() =>
        System.Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>().ToDictionary(e => (string)e.Key, e => (string?)e.Value);

    /// <summary>${VAR} and ${VAR:-default}. An unset variable without a default expands to empty; validation then names the field that needed it.</summary>
    private static string Expand(string yaml, IReadOnlyDictionary<string, string?> env, List<string> problems) =>
        VariablePattern().Replace(yaml, m =>
        {
            string name = m.Groups["name"].Value;
            if (env.TryGetValue(name, out string? value) && !string.IsNullOrEmpty(value))
            {
                return value;
            }

            return m.Groups["default"].Success ? m.Groups["default"].Value : "";
        });

    private static void ApplyEnvironment(AegisConfig c, IReadOnlyDictionary<string, string?> env, List<string> problems)
    {
        string? Get(string name) => env.TryGetValue(name, out string? v) && !string.IsNullOrEmpty(v) ? v : null;
        int? Port(string name)
        {
            string? v = Get(name);
            if (v is null)
            {
                return null;
            }

            if (int.TryParse(v, out int p))
            {
                return p;
            }

            problems.Add($"{name}: {v} — expected a port number");
            return null;
        }

        c.Node.Id = Get("AEGIS_NODE_ID") ?? c.Node.Id;
        c.Node.Environment = Get("AEGIS_ENVIRONMENT") ?? c.Node.Environment;
        c.Logging.Level = Get("AEGIS_LOG_LEVEL") ?? c.Logging.Level;
        c.P2p.Host = Get("AEGIS_P2P_HOST") ?? c.P2p.Host;
        c.P2p.Port = Port("AEGIS_P2P_PORT") ?? c.P2p.Port;
        if (Get("AEGIS_BOOTSTRAP_NODES") is { } bootstrap)
        {
            c.P2p.BootstrapNodes = [.. bootstrap.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
        }

        c.Storage.Type = Get("AEGIS_STORAGE_TYPE") ?? c.Storage.Type;
        c.Storage.ConnectionString = Get("AEGIS_DATABASE_URL") ?? Get("DATABASE_URL") ?? c.Storage.ConnectionString;
        c.Monitoring.MetricsPort = Port("AEGIS_METRICS_PORT") ?? c.Monitoring.MetricsPort;
        c.Security.EncryptionKey = Get("AEGIS_ENCRYPTION_KEY") ?? c.Security.EncryptionKey;
        c.Security.JwtSecret = Get("AEGIS_JWT_SECRET") ?? c.Security.JwtSecret;
    }

    private static void ResolvePaths(AegisConfig c, string dir)
    {
        static string Resolve(string dir, string p) => string.IsNullOrEmpty(p) || Path.IsPathRooted(p) ? p : Path.GetFullPath(Path.Combine(dir, p));
        c.Node.DataDir = Resolve(dir, c.Node.DataDir);
        c.Node.KeyFile = Resolve(dir, c.Node.KeyFile);
        c.GenesisFile = Resolve(dir, c.GenesisFile);
        c.Logging.File = Resolve(dir, c.Logging.File);
        c.Security.JwtPublicKeyFile = Resolve(dir, c.Security.JwtPublicKeyFile);
    }

    private static string DescribeYamlError(YamlException ex)
    {
        string where = $"line {ex.Start.Line}, column {ex.Start.Column}";
        Match unknown = UnknownPropertyPattern().Match(ex.Message);
        if (unknown.Success)
        {
            string key = unknown.Groups["prop"].Value;
            string? suggestion = ConfigKeys.Suggest(key);
            return $"config: {where}: unknown key '{key}'" + (suggestion is null ? "" : $" (did you mean '{suggestion}'?)");
        }

        string message = ex.InnerException?.Message ?? ex.Message;
        return $"config: {where}: {message}";
    }

    [GeneratedRegex(@"\$\{(?<name>[A-Za-z_][A-Za-z0-9_]*)(:-(?<default>[^}]*))?\}")]
    private static partial Regex VariablePattern();

    [GeneratedRegex(@"Property '(?<prop>[^']+)' not found")]
    private static partial Regex UnknownPropertyPattern();
}
