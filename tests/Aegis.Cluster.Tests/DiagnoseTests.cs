using System.Security.Cryptography;
using Aegis.Cli.Testnet;

namespace Aegis.Cluster.Tests;

/// <summary>`aegis diagnose` against a running node whose config holds every kind of secret: the report has its sections and none of them.</summary>
public class DiagnoseTests
{
    [Fact]
    public async Task The_support_report_covers_the_node_and_never_contains_a_secret()
    {
        CancellationToken ct = new CancellationTokenSource(TimeSpan.FromSeconds(120)).Token;
        await using var cluster = new TestCluster(validators: 1);
        string jwt = "jwt-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(24));
        string key = "enc-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        string password = "pw-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(12));
        string config = TestnetGenerator.ConfigPath(cluster.Dir, 0);
        File.WriteAllText(config, File.ReadAllText(config)
            .Replace("security:\n  authentication: false\n", "security:\n  authentication: true\n  jwt_secret: \"${AEGIS_JWT_SECRET}\"\n", StringComparison.Ordinal)
            .Replace("connection_string: \"\"", $"connection_string: \"postgresql://aegis:{password}@db.example:5432/aegis\"", StringComparison.Ordinal));
        cluster.Processes.Environment["AEGIS_JWT_SECRET"] = jwt;
        cluster.Processes.Environment["AEGIS_ENCRYPTION_KEY"] = key;
        await cluster.StartAsync(ct);

        // A careless log line with all three: the report must scrub them wherever they come from.
        await using (var log = new StreamWriter(new FileStream(cluster.Processes.LogPath(0), FileMode.Append, FileAccess.Write, FileShare.ReadWrite)))
        {
            await log.WriteLineAsync($"fail: a test line leaking {jwt} and {key} and {password}");
        }

        string report = Path.Combine(cluster.Dir, "report.txt");
        AegisCli.Result r = await AegisCli.RunAsync(cluster.Processes.Environment, ct, "diagnose", "--config", config, "--out", report);
        Assert.True(r.Exit == 0, r.ToString());
        string text = await File.ReadAllTextAsync(report, ct);
        foreach (string section in new[] { "## System", "## Versions", "## Configuration (secrets redacted)", "## Environment overrides", "## Genesis", "## Storage", "## This node", "## Peers", "## Recent errors", "## Metrics sample" })
        {
            Assert.Contains(section, text);
        }

        Assert.Contains("\"block_height\"", text);                    // /status of the running node
        Assert.Contains("aegis_block_height", text);                  // the metrics sample
        Assert.Contains("a test line leaking (redacted) and (redacted) and (redacted)", text); // the log line, scrubbed
        Assert.Contains("AEGIS_JWT_SECRET=(set, redacted)", text);
        Assert.Contains("db.example", text);                          // the connection string's host stays visible
        Assert.DoesNotContain(jwt, text);
        Assert.DoesNotContain(key, text);
        Assert.DoesNotContain(password, text);
        Assert.DoesNotContain(jwt, r.Stdout + r.Stderr);
    }
}
