namespace Aegis.Content.Tests.Support;

/// <summary>
/// The real programs these tests drive (Node with the npm packages of tests/Aegis.Content.Tests/npm, Debian's
/// ipfs_cid, chromium, nginx). Missing on a developer machine, a test is skipped with the command that installs it;
/// missing in CI (CI=true), the test runs and fails, because a CI run that skips the real clients proves nothing.
/// </summary>
public static class ExternalTools
{
    public const string InstallHint = "run .ci/install/50-chat.sh (apt: nodejs chromium nginx ipfs-cid; npm ci in tests/Aegis.Content.Tests/npm)";

    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static string? Node => Which("node");

    public static string? IpfsCid => Which("ipfs_cid");

    public static string? Nginx => File.Exists("/usr/sbin/nginx") ? "/usr/sbin/nginx" : Which("nginx");

    public static string? Chromium => File.Exists("/usr/bin/chromium") ? "/usr/bin/chromium" : null;

    public static bool NpmInstalled => Directory.Exists(Path.Combine(RepoPaths.ContentNpm, "node_modules", "kubo-rpc-client"));

    /// <summary>Null when every named tool is present (or CI requires them), otherwise the skip reason.</summary>
    public static string? SkipReason(params string[] tools)
    {
        if (IsCi)
        {
            return null;
        }

        foreach (string tool in tools)
        {
            bool present = tool switch
            {
                "node" => Node is not null && NpmInstalled,
                "ipfs_cid" => IpfsCid is not null,
                "nginx" => Nginx is not null,
                "chromium" => Chromium is not null,
                _ => throw new ArgumentException($"unknown tool {tool}"),
            };
            if (!present)
            {
                return $"{tool} is missing: {InstallHint}";
            }
        }

        return null;
    }

    private static string? Which(string name)
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string path = Path.Combine(dir, name);
            if (File.Exists(path))
            {
                return path;
            }
        }

        return null;
    }
}

/// <summary>A test that needs real external programs: skipped with a hint when absent, except in CI where it fails.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class ToolFactAttribute : FactAttribute
{
    public ToolFactAttribute(params string[] tools)
    {
        if (ExternalTools.SkipReason(tools) is { } reason)
        {
            Skip = reason;
        }
    }
}
