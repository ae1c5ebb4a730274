using System.Diagnostics.Metrics;
using Aegis.Node.Monitoring;
using Prometheus;

namespace Aegis.Node.Tests.Monitoring;

/// <summary>The bridge from System.Diagnostics.Metrics to prometheus-net, through a registry of its own per test.</summary>
public sealed class PrometheusMeterBridgeTests : IDisposable
{
    // Each test has its own meter, so instruments of other tests (and of the node) never appear in its registry.
    private readonly string _meterName = "Aegis.Test." + Guid.NewGuid().ToString("N")[..8];
    private readonly Meter _meter;
    private readonly CollectorRegistry _registry = Metrics.NewCustomRegistry();
    private PrometheusMeterBridge? _bridge;

    public PrometheusMeterBridgeTests() => _meter = new Meter(_meterName);

    public void Dispose()
    {
        _bridge?.Dispose();
        _meter.Dispose();
    }

    [Fact]
    public async Task Names_and_types_of_the_contract_come_out_unchanged()
    {
        Start(new SeriesPolicy());
        _meter.CreateCounter<long>("aegis_txs_committed_total", description: "txs").Add(3);
        _meter.CreateHistogram<double>("aegis_commit_latency_seconds", unit: "s").Record(0.002);
        _meter.CreateObservableGauge("aegis_block_height", () => 42L);

        string text = await RenderAsync();
        AssertLines(
            text,
            "# TYPE aegis_txs_committed_total counter",
            "aegis_txs_committed_total 3",
            "# TYPE aegis_commit_latency_seconds histogram",
            "aegis_commit_latency_seconds_bucket{le=\"0.0025\"} 1",
            "aegis_commit_latency_seconds_bucket{le=\"0.001\"} 0",
            "aegis_block_height 42");
        Assert.DoesNotContain("aegis_test", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("aegis.api.requests", "counter", "", "aegis_api_requests_total")]
    [InlineData("aegis.api.request.duration", "histogram", "s", "aegis_api_request_duration_seconds")]
    [InlineData("aegis_upload", "histogram", "By", "aegis_upload_bytes")]
    [InlineData("aegis_sent_bytes_total", "counter", "By", "aegis_sent_bytes_total")]
    [InlineData("aegis-queue depth", "gauge", "", "aegis_queue_depth")]
    public void Dotted_names_get_the_Prometheus_form_and_suffixes(string name, string kind, string unit, string expected)
    {
        Instrument instrument = kind switch
        {
            "counter" => _meter.CreateCounter<long>(name, unit),
            "histogram" => _meter.CreateHistogram<double>(name, unit),
            _ => _meter.CreateUpDownCounter<long>(name, unit),
        };
        Assert.Equal(expected, PrometheusNames.For(instrument));
    }

    [Fact]
    public async Task Declared_counters_are_exported_at_zero_before_their_first_measurement()
    {
        Start(new SeriesPolicy()
            .Declare("aegis_consensus_view_changes_total")
            .Declare("aegis_consensus_failures_total", new LabelDomain("kind", ["ConflictingVotes", "malformed_message"])));
        _meter.CreateCounter<long>("aegis_consensus_view_changes_total");
        _meter.CreateCounter<long>("aegis_consensus_failures_total");
        _meter.CreateCounter<long>("aegis_undeclared_total");

        string text = await RenderAsync();
        AssertLines(
            text,
            "aegis_consensus_view_changes_total 0",
            "aegis_consensus_failures_total{kind=\"ConflictingVotes\"} 0",
            "aegis_consensus_failures_total{kind=\"malformed_message\"} 0",
            "aegis_consensus_failures_total{kind=\"other\"} 0");
        Assert.DoesNotContain("aegis_undeclared_total", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_strangers_value_never_becomes_a_series_of_a_declared_label()
    {
        Start(new SeriesPolicy().Bound("aegis_p2p_peer_rtt_seconds", new LabelDomain("peer", ["node-0", "node-1"], fallback: "observer")));
        Histogram<double> rtt = _meter.CreateHistogram<double>("aegis_p2p_peer_rtt_seconds", "s");
        rtt.Record(0.001, new KeyValuePair<string, object?>("peer", "node-1"));
        for (int i = 0; i < 500; i++)
        {
            rtt.Record(0.001, new KeyValuePair<string, object?>("peer", $"observer-{i:x8}"), new KeyValuePair<string, object?>("addr", $"10.0.0.{i}"));
        }

        string text = await RenderAsync();
        AssertLines(
            text,
            "aegis_p2p_peer_rtt_seconds_count{peer=\"node-1\"} 1",
            "aegis_p2p_peer_rtt_seconds_count{peer=\"observer\"} 500");
        Assert.DoesNotContain("observer-", text, StringComparison.Ordinal);
        Assert.DoesNotContain("addr", text, StringComparison.Ordinal);
        Assert.DoesNotContain("node-0", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_undeclared_instrument_is_capped_and_folds_the_rest_into_other()
    {
        Start(new SeriesPolicy());
        Counter<long> requests = _meter.CreateCounter<long>("aegis_requests_total");
        for (int i = 0; i < 1000; i++)
        {
            requests.Add(1, new KeyValuePair<string, object?>("path", $"/v1/kv/key-{i}"));
        }

        string[] series = [.. (await RenderAsync()).Split('\n').Where(l => l.StartsWith("aegis_requests_total{", StringComparison.Ordinal))];
        Assert.Equal(SeriesPolicy.MaxUndeclaredSeries + 1, series.Length);
        Assert.Contains($"aegis_requests_total{{path=\"other\"}} {1000 - SeriesPolicy.MaxUndeclaredSeries}", series);
    }

    [Fact]
    public async Task An_observable_series_that_is_no_longer_reported_is_removed()
    {
        Start(new SeriesPolicy().Bound("aegis_node_ready", new LabelDomain("reason", ["ready", "no_quorum"])));
        string reason = "ready";
        _meter.CreateObservableGauge("aegis_node_ready", () => new Measurement<int>(reason == "ready" ? 1 : 0, new KeyValuePair<string, object?>("reason", reason)));

        AssertLines(await RenderAsync(), "aegis_node_ready{reason=\"ready\"} 1");
        reason = "no_quorum";
        string text = await RenderAsync();
        AssertLines(text, "aegis_node_ready{reason=\"no_quorum\"} 0");
        Assert.DoesNotContain("reason=\"ready\"", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_histogram_uses_the_bucket_bounds_its_instrument_advises()
    {
        Start(new SeriesPolicy());
        _meter.CreateHistogram("aegis_custom_seconds", "s", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.1, 0.2] }).Record(0.15);

        string text = await RenderAsync();
        AssertLines(
            text,
            "aegis_custom_seconds_bucket{le=\"0.1\"} 0",
            "aegis_custom_seconds_bucket{le=\"0.2\"} 1");
        Assert.DoesNotContain("le=\"0.0005\"", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_nodes_series_policy_bounds_every_labelled_contract_metric()
    {
        SeriesPolicy policy = AegisMetrics.Series(["node-0", "node-1", "node-2", "node-3"]);
        Start(policy, m => m.Name == AegisMetrics.MeterName);
        using var metrics = new AegisMetrics("node-0", () => new NodeGauges(7, 1, 0, 3, 4, 3), () => new ReadinessState(ReadinessState.NoQuorum, "no quorum", "synced"));
        metrics.Failures.Add(1, new KeyValuePair<string, object?>("kind", "made-up-by-a-peer"));
        metrics.StorageWriteFailures.Add(1, new KeyValuePair<string, object?>("reason", "disk_full"));

        string text = await RenderAsync();
        AssertLines(
            text,
            "aegis_consensus_failures_total{kind=\"other\"} 1",
            "aegis_consensus_failures_total{kind=\"ConflictingVotes\"} 0",
            "aegis_storage_write_failures_total{reason=\"disk_full\"} 1",
            "aegis_storage_write_failures_total{reason=\"store_corrupt\"} 0",
            "aegis_node_ready{reason=\"no_quorum\"} 0",
            "aegis_consensus_quorum 3",
            "aegis_consensus_view_changes_total 0");
    }

    private void Start(SeriesPolicy policy, Func<Meter, bool>? include = null) =>
        _bridge = new PrometheusMeterBridge(_registry, policy, include ?? (m => m.Name == _meterName));

    /// <summary>Each expected line is a whole line of the exposition (a prefix such as "x 3" of "x 30" is no match).</summary>
    private static void AssertLines(string text, params string[] expected)
    {
        string[] lines = text.Split('\n');
        foreach (string line in expected)
        {
            Assert.True(lines.Contains(line, StringComparer.Ordinal), $"no line '{line}' in:\n{text}");
        }
    }

    private async Task<string> RenderAsync()
    {
        using var buffer = new MemoryStream();
        await _registry.CollectAndExportAsTextAsync(buffer);
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
