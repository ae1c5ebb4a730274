using Aegis.Kits.Tests.Support;
using Aegis.Mesh.Hosting;
using Aegis.Node.Monitoring;

namespace Aegis.Mesh.Tests.Hosting;

/// <summary>What /metrics serves (the registry the management API maps), read by promtool and by name and type.</summary>
public sealed class MetricsExpositionTests
{
    private static readonly (string Name, string Type)[] Contract =
    [
        ("aegisray_connected_peers", "gauge"),
        ("aegisray_packets_dropped_total", "counter"),
        ("aegisray_auth_failures_total", "counter"),
        ("aegisray_bytes_sent_total", "counter"),
        ("aegisray_bytes_received_total", "counter"),
        ("aegisray_peer_latency_seconds", "histogram"),
        ("aegisray_handshakes_total", "counter"),
        ("aegisray_tunnels", "gauge"),
    ];

    private static async Task<Exposition> ScrapeAsync(NodeMetricsRegistry registry) =>
        new(await registry.RenderAsync(CancellationToken.None));

    /// <summary>A registry listening from the start, as the host's is, and some events.</summary>
    private static NodeMetricsRegistry Busy(MeshMetrics metrics)
    {
        NodeMetricsRegistry registry = metrics.CreateRegistry();
        metrics.Observe(() => new MeshGauges(ConnectedPeers: 3, BytesSent: 12_345, BytesReceived: 67_890, UdpTunnels: 2, TcpTunnels: 1, RelayTunnels: 0));
        metrics.Drop(DropReasons.Firewall);
        metrics.Drop(DropReasons.Firewall);
        metrics.AuthFailure();
        metrics.Handshake();
        metrics.PeerLatency.Record(0.0004);
        return registry;
    }

    [Fact]
    public async Task Every_contract_metric_is_exported_with_its_name_type_and_value()
    {
        using var metrics = new MeshMetrics();
        using NodeMetricsRegistry registry = Busy(metrics);
        Exposition live = await ScrapeAsync(registry);
        foreach ((string name, string type) in Contract)
        {
            Assert.True(live.TypeOf(name) == type, $"{name}: TYPE {live.TypeOf(name) ?? "(absent)"}, expected {type}\n{live.Text}");
        }

        Assert.Equal(3, live.Value("aegisray_connected_peers"));
        Assert.Equal(12_345, live.Value("aegisray_bytes_sent_total"));
        Assert.Equal(67_890, live.Value("aegisray_bytes_received_total"));
        Assert.Equal(2, live.Value("aegisray_packets_dropped_total", "reason=\"firewall\""));
        Assert.Equal(1, live.Value("aegisray_auth_failures_total"));
        Assert.Equal(1, live.Value("aegisray_handshakes_total"));
        Assert.Equal(2, live.Value("aegisray_tunnels", "transport=\"udp\""));
        Assert.Equal(1, live.Value("aegisray_tunnels", "transport=\"tcp\""));
        Assert.Equal(0, live.Value("aegisray_tunnels", "transport=\"relay\""));
        Assert.Equal(1, live.Value("aegisray_peer_latency_seconds_count"));
        // The buckets resolve a LAN round trip: 0.4 ms lands below 0.5 ms, not in a catch-all first bucket.
        Assert.Equal(0, live.Value("aegisray_peer_latency_seconds_bucket", "le=\"0.00025\""));
        Assert.Equal(1, live.Value("aegisray_peer_latency_seconds_bucket", "le=\"0.0005\""));
        Assert.True(live.Value("process_working_set_bytes") > 0, "process metrics come with the mesh's own");
    }

    [Fact]
    public async Task Drop_reasons_are_exported_at_zero_before_their_first_drop_and_unknown_ones_fold_into_other()
    {
        using var metrics = new MeshMetrics();
        using NodeMetricsRegistry registry = metrics.CreateRegistry();
        metrics.Drop("something new");
        Exposition live = await ScrapeAsync(registry);
        foreach (string reason in DropReasons.All)
        {
            Assert.Equal(0, live.Value("aegisray_packets_dropped_total", $"reason=\"{reason}\""));
        }

        Assert.Equal(1, live.Value("aegisray_packets_dropped_total", "reason=\"other\""));
        Assert.Equal(0, live.Value("aegisray_auth_failures_total"));
    }

    [Fact]
    public async Task A_second_engine_in_the_process_does_not_leak_into_this_ones_metrics()
    {
        using var mine = new MeshMetrics();
        using NodeMetricsRegistry registry = Busy(mine);
        using var other = new MeshMetrics();
        other.Drop(DropReasons.Firewall);
        other.Handshake();
        Exposition live = await ScrapeAsync(registry);
        Assert.Equal(2, live.Value("aegisray_packets_dropped_total", "reason=\"firewall\""));
        Assert.Equal(1, live.Value("aegisray_handshakes_total"));
    }

    [ToolFact("promtool")]
    public async Task Promtool_finds_no_problem_in_the_exposition()
    {
        using var metrics = new MeshMetrics();
        using NodeMetricsRegistry registry = Busy(metrics);
        Exposition live = await ScrapeAsync(registry);
        Tool.Result result = Tool.Run("promtool", ["check", "metrics"], stdin: live.Text).AssertSuccess();
        Assert.Equal("", (result.Stdout + result.Stderr).Trim());

        // The same check fails on a real problem (a counter named without _total), so a pass means something.
        Tool.Result bad = Tool.Run("promtool", ["check", "metrics"], stdin: "# HELP aegisray_x x\n# TYPE aegisray_x counter\naegisray_x 1\n");
        Assert.NotEqual(0, bad.ExitCode);
    }
}
