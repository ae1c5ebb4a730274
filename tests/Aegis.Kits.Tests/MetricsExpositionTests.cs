using System.Net.Sockets;
using System.Text.RegularExpressions;
using Aegis.Kits.Tests.Support;

namespace Aegis.Kits.Tests;

/// <summary>What a running node serves on /metrics, read by promtool and by the same rules a scrape applies.</summary>
[Collection(LiveClusterCollection.Name)]
public partial class MetricsExpositionTests(LiveCluster cluster)
{
    [ToolFact("promtool")]
    public async Task Promtool_finds_no_problem_in_a_live_nodes_metrics()
    {
        string text = await cluster.MetricsAsync();
        Tool.Result result = Tool.Run("promtool", ["check", "metrics"], stdin: text).AssertSuccess();
        Assert.Equal("", (result.Stdout + result.Stderr).Trim());

        // The same check does find a problem when there is one: a gauge named like a counter.
        Tool.Result bad = Tool.Run("promtool", ["check", "metrics"], stdin: "# HELP x_total x\n# TYPE x_total gauge\nx_total 1\n");
        Assert.NotEqual(0, bad.ExitCode);
    }

    [Fact]
    public async Task Every_metric_of_the_contract_is_exported_with_its_type()
    {
        var live = new Exposition(await cluster.MetricsAsync());
        foreach (string name in ContractMetricNames())
        {
            string expected = name.EndsWith("_total", StringComparison.Ordinal) ? "counter"
                : name is "aegis_commit_latency_seconds" or "aegis_storage_commit_seconds" or "aegis_p2p_peer_rtt_seconds" ? "histogram"
                : "gauge";
            Assert.True(live.TypeOf(name) == expected, $"{name}: TYPE {live.TypeOf(name) ?? "(absent)"}, expected {expected}");
        }

        Assert.Contains(live.Samples, s => s.Name == "aegis_node_info" && s.Labels.Contains("node_id=\"node-0\"", StringComparison.Ordinal) && s.Value == 1);
        Assert.True(live.Value("aegis_block_height") >= 1, "the fixture committed blocks");
    }

    [Fact]
    public async Task Counters_the_alerts_watch_are_exported_at_zero_before_their_first_event()
    {
        var live = new Exposition(await cluster.MetricsAsync(3));
        Assert.NotNull(live.Value("aegis_consensus_view_changes_total"));
        foreach (string reason in Aegis.Network.SecureTransport.AuthFailureReasons)
        {
            Assert.Equal(0, live.Value("aegis_auth_failures_total", $"reason=\"{reason}\""));
        }

        Assert.Equal(0, live.Value("aegis_api_auth_failures_total", "reason=\"missing\""));
        foreach (string kind in Aegis.Node.Monitoring.AegisMetrics.FailureKinds)
        {
            Assert.NotNull(live.Value("aegis_consensus_failures_total", $"kind=\"{kind}\""));
        }

        foreach (string reason in new[] { "disk_full", "store_corrupt", "rejected", "error" })
        {
            Assert.Equal(0, live.Value("aegis_storage_write_failures_total", $"reason=\"{reason}\""));
        }

        Assert.Equal(0, live.Value("aegis_storage_read_failures_total", "reason=\"store_corrupt\""));
    }

    [Fact]
    public async Task Process_and_gc_metrics_are_exported()
    {
        var live = new Exposition(await cluster.MetricsAsync());
        Assert.Equal("counter", live.TypeOf("process_cpu_seconds_total"));
        Assert.True(live.Value("process_cpu_seconds_total") > 0);
        Assert.True(live.Value("process_working_set_bytes") > 10_000_000);
        Assert.True(live.Value("process_open_handles") > 0);
        Assert.Equal("counter", live.TypeOf("dotnet_collection_count_total"));
        Assert.True(live.Value("dotnet_total_memory_bytes") > 0);
    }

    [Fact]
    public async Task Latency_histograms_bucket_what_the_node_measured()
    {
        var live = new Exposition(await cluster.MetricsAsync());
        double count = live.Value("aegis_commit_latency_seconds_count") ?? 0;
        Assert.True(count >= 1, "node0 was sent transactions with ?wait=commit");
        Assert.Equal(count, live.Value("aegis_commit_latency_seconds_bucket", "le=\"+Inf\""));
        double mean = live.Value("aegis_commit_latency_seconds_sum")!.Value / count;
        Assert.InRange(mean, 0.0001, 30);

        // At least one finite bucket already holds every observation: the bounds cover what a commit takes here.
        Assert.Contains(live.Samples, s => s.Name == "aegis_commit_latency_seconds_bucket" && s.Labels != "le=\"+Inf\"" && s.Value == count);
        Assert.True(live.Value("aegis_storage_commit_seconds_count") >= 1);
    }

    [Fact]
    public async Task A_stranger_on_the_p2p_port_is_counted_and_creates_no_series()
    {
        var before = new Exposition(await cluster.MetricsAsync(1));
        double failures = before.Sum("aegis_auth_failures_total") ?? double.NaN;
        HashSet<string> series = AegisSeries(before);

        for (int i = 0; i < 5; i++)
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", cluster.P2pPort(1));
            byte[] garbage = new byte[64];
            Random.Shared.NextBytes(garbage);
            await client.GetStream().WriteAsync(garbage);
        }

        Exposition after = before;
        for (int attempt = 0; attempt < 50 && (after.Sum("aegis_auth_failures_total") ?? 0) < failures + 5; attempt++)
        {
            await Task.Delay(200);
            after = new Exposition(await cluster.MetricsAsync(1));
        }

        Assert.True(after.Sum("aegis_auth_failures_total") >= failures + 5, $"aegis_auth_failures_total went from {failures} to {after.Sum("aegis_auth_failures_total")}");
        Assert.Equal(series, AegisSeries(after));
    }

    [Fact]
    public async Task Readiness_is_exported_with_its_reason_and_follows_a_lost_quorum()
    {
        var live = new Exposition(await cluster.MetricsAsync());
        Assert.Equal(1, live.Value("aegis_node_ready", "reason=\"ready\""));

        await cluster.Processes.StopAsync(2, TimeSpan.FromSeconds(10));
        await cluster.Processes.StopAsync(3, TimeSpan.FromSeconds(10));
        try
        {
            for (int attempt = 0; attempt < 100 && live.Value("aegis_node_ready", "reason=\"no_quorum\"") is null; attempt++)
            {
                await Task.Delay(200);
                live = new Exposition(await cluster.MetricsAsync());
            }

            Assert.Equal(0, live.Value("aegis_node_ready", "reason=\"no_quorum\""));
            Assert.Null(live.Value("aegis_node_ready", "reason=\"ready\""));
            Assert.Equal(503, await cluster.ReadyStatusAsync(0));
        }
        finally
        {
            cluster.Processes.Start(2);
            cluster.Processes.Start(3);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            Assert.True(await cluster.Processes.WaitReadyAsync(TimeSpan.FromSeconds(80), cts.Token), "the cluster did not recover:\n" + cluster.Logs());
        }

        Assert.Equal(1, new Exposition(await cluster.MetricsAsync()).Value("aegis_node_ready", "reason=\"ready\""));
    }

    /// <summary>The metric names in the contract's "Metrics" section (../shared/CONTRACT.md beside the checkout).</summary>
    public static IReadOnlyList<string> ContractMetricNames()
    {
        string path = Path.Combine(Repo.Root, "..", "shared", "CONTRACT.md");
        string contract = File.ReadAllText(path);
        string section = contract[contract.IndexOf("## Metrics", StringComparison.Ordinal)..];
        List<string> names = [.. MetricName().Matches(section).Select(m => m.Groups[1].Value).Distinct()];
        Assert.True(names.Count >= 14, $"found only {names.Count} metric names in {path}");
        return names;
    }

    private static HashSet<string> AegisSeries(Exposition e) =>
        [.. e.Samples.Where(s => s.Name.StartsWith("aegis_", StringComparison.Ordinal)).Select(s => $"{s.Name}{{{s.Labels}}}")];

    [GeneratedRegex(@"`(aegis_[a-z0-9_]+)")]
    private static partial Regex MetricName();
}
