using System.Globalization;
using System.Text.Json;
using Aegis.Cluster.Tests;
using static Aegis.Perimeter.Tests.Support.Perimeter;

namespace Aegis.Perimeter.Tests;

/// <summary>The peer-to-peer edge of a running cluster: a copied validator key, and refusals counted by reason.</summary>
public class P2pPerimeterTests
{
    [Fact]
    public async Task A_second_process_with_a_validators_key_is_refused_says_so_and_the_cluster_keeps_committing()
    {
        CancellationToken ct = Timeout(150);
        await using var cluster = new TestCluster(validators: 4);
        await cluster.StartAsync(ct);

        // node-1's key copied into a new node directory with its own ports, as an operator might by mistake.
        string copy = Path.Combine(cluster.Dir, "copy");
        Directory.CreateDirectory(copy);
        File.Copy(Path.Combine(cluster.Dir, "node1", "node.key"), Path.Combine(copy, "node.key"));
        int free = cluster.BasePort + 60;
        string yaml = await File.ReadAllTextAsync(Path.Combine(cluster.Dir, "node1", "config.yaml"), ct);
        yaml = yaml.Replace($"port: {cluster.BasePort + 10}\n", $"port: {free}\n", StringComparison.Ordinal)
            .Replace($"port: {cluster.BasePort + 11}\n", $"port: {free + 1}\n", StringComparison.Ordinal)
            .Replace($"metrics_port: {cluster.BasePort + 12}\n", $"metrics_port: {free + 2}\n", StringComparison.Ordinal);
        await File.WriteAllTextAsync(Path.Combine(copy, "config.yaml"), yaml, ct);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        (int exit, _, string err) = await CliAsync(null, ct, "run", "--config", Path.Combine(copy, "config.yaml"));
        Assert.True(exit == 1, $"exit {exit} after {clock.Elapsed}: {err}");
        Assert.Contains("refusing to run as this validator", err, StringComparison.Ordinal);
        Assert.Contains("validator node-1 is already connected from", err, StringComparison.Ordinal);
        Assert.InRange(clock.Elapsed.TotalSeconds, 1, 60);

        // The real node-1 kept its connections and the cluster its throughput.
        JsonElement status = (await cluster.GetAsync(1, "/status", ct))!.Value;
        Assert.Equal(3, status.GetProperty("peers").GetInt32());
        for (int i = 0; i < 20; i++)
        {
            Assert.Equal(200, (await cluster.PostTxAsync(i % 4, $"after-copy-{i}", "v", wait: true, ct)).Status);
        }

        // The refusals are counted by reason on the peers that refused.
        double refused = 0;
        for (int i = 2; i < 4; i++)
        {
            string metrics = await cluster.Http.GetStringAsync(cluster.Url(i) + "/metrics", ct);
            refused += Metric(metrics, "aegis_auth_failures_total{reason=\"unauthorized\"}");
        }

        Assert.True(refused >= 2, $"{refused.ToString(CultureInfo.InvariantCulture)} refusals counted");
    }
}
