namespace Aegis.Mesh.Tests.Namespaces;

/// <summary>
/// What the namespace tests need: root, iproute2, nftables, iperf3, curl, /dev/net/tun and the built CLI. Missing on a
/// developer machine, they skip with a hint; missing in CI (CI=true) they fail, because a CI run that skips them proves
/// nothing about the data path.
/// </summary>
internal static class NamespaceEnvironment
{
    public const string Hint = "run as root with iproute2, nftables, iperf3 and curl installed (.ci/install/40-mesh.sh)";

    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static string? Missing()
    {
        if (!string.Equals(Environment.UserName, "root", StringComparison.Ordinal))
        {
            return "not root";
        }

        foreach (string tool in new[] { "ip", "nft", "iperf3", "curl", "ping" })
        {
            if (!Environment.GetEnvironmentVariable("PATH")!.Split(':').Any(d => File.Exists(Path.Combine(d, tool))))
            {
                return $"{tool} not installed";
            }
        }

        return File.Exists("/dev/net/tun") ? null : "/dev/net/tun missing";
    }

    public static string AegisDll()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            foreach (string config in new[] { "Release", "Debug" })
            {
                string candidate = Path.Combine(dir.FullName, "src", "Aegis.Cli", "bin", config, "net10.0", "aegis.dll");
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        throw new FileNotFoundException("src/Aegis.Cli/bin/*/net10.0/aegis.dll not found; build the solution first");
    }
}
