using System.Diagnostics.Metrics;
using Aegis.Mesh.Engine;
using Aegis.Node.Monitoring;
using Microsoft.Extensions.Logging;

namespace Aegis.Mesh.Hosting;

/// <summary>
/// Every metric name of the AegisRay contract, in one place, as <see cref="System.Diagnostics.Metrics"/> instruments;
/// /metrics publishes them through the repository's one Prometheus path (<see cref="NodeMetricsRegistry"/>: the
/// prometheus-net bridge, which keeps these names). Byte counters and gauges are observed at scrape time from per-peer
/// counters the data path already keeps, so the hot path pays nothing for them.
/// </summary>
public sealed class MeshMetrics : IDisposable
{
    public const string MeterName = "AegisRay";

    private readonly Meter _meter;
    private Func<MeshGauges> _gauges = () => default;

    public MeshMetrics()
    {
        _meter = new Meter(MeterName, Aegis.Core.AegisVersion.Value);
        _meter.CreateObservableGauge("aegisray_connected_peers", () => _gauges().ConnectedPeers, description: "Peers with an established tunnel");
        // No unit on the byte counters: the bridge would append "_bytes" to a name the contract fixes.
        _meter.CreateObservableCounter("aegisray_bytes_sent_total", () => _gauges().BytesSent, description: "Encrypted bytes sent to peers");
        _meter.CreateObservableCounter("aegisray_bytes_received_total", () => _gauges().BytesReceived, description: "Encrypted bytes received from peers");
        _meter.CreateObservableGauge("aegisray_tunnels", ObserveTunnels, description: "Established tunnels by transport (udp, tcp, relay)");
        Dropped = _meter.CreateCounter<long>("aegisray_packets_dropped_total", description: "Packets dropped, by reason");
        AuthFailures = _meter.CreateCounter<long>("aegisray_auth_failures_total", description: "Handshakes refused: bad certificate, revoked, failed Noise authentication, replay");
        Handshakes = _meter.CreateCounter<long>("aegisray_handshakes_total", description: "Handshakes completed");
        PeerLatency = _meter.CreateHistogram("aegisray_peer_latency_seconds", unit: "s", description: "Round-trip time of tunnel pings",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = HistogramBuckets.NetworkRoundTrip });
        Relayed = _meter.CreateCounter<long>("aegisray_relayed_packets_total", description: "Packets this relay forwarded between two other nodes");
    }

    public Counter<long> Dropped { get; }

    public Counter<long> AuthFailures { get; }

    public Counter<long> Handshakes { get; }

    public Histogram<double> PeerLatency { get; }

    public Counter<long> Relayed { get; }

    /// <summary>
    /// What /metrics serves: this instance's meter (not another AegisRay meter in the same process) plus the process and GC
    /// metrics, with the counters an alert watches exported at zero from the start.
    /// </summary>
    public NodeMetricsRegistry CreateRegistry(ILogger? logger = null) => new(Series, logger, m => ReferenceEquals(m, _meter));

    /// <summary>The label domains: drop reasons and transports are closed sets, so the series are bounded.</summary>
    public static SeriesPolicy Series { get; } = new SeriesPolicy()
        .Declare("aegisray_packets_dropped_total", new LabelDomain("reason", DropReasons.All))
        .Declare("aegisray_auth_failures_total")
        .Declare("aegisray_handshakes_total")
        .Declare("aegisray_relayed_packets_total")
        .Declare("aegisray_peer_latency_seconds")
        .Bound("aegisray_tunnels", new LabelDomain("transport", [Transports.Udp, Transports.Tcp, Transports.Relay]));

    /// <summary>Wires the observed instruments to the engine (set once by the host).</summary>
    public void Observe(Func<MeshGauges> gauges) => _gauges = gauges;

    /// <summary>Handshakes refused so far (also exported as <c>aegisray_auth_failures_total</c>); /status and tests read it.</summary>
    public long AuthFailureCount => Interlocked.Read(ref _authFailures);

    public long HandshakeCount => Interlocked.Read(ref _handshakes);

    public void AuthFailure()
    {
        Interlocked.Increment(ref _authFailures);
        AuthFailures.Add(1);
    }

    public void Handshake()
    {
        Interlocked.Increment(ref _handshakes);
        Handshakes.Add(1);
    }

    private long _authFailures;
    private long _handshakes;

    public void Drop(string reason) => Dropped.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void Dispose() => _meter.Dispose();

    private IEnumerable<Measurement<int>> ObserveTunnels()
    {
        MeshGauges g = _gauges();
        yield return new Measurement<int>(g.UdpTunnels, new KeyValuePair<string, object?>("transport", Transports.Udp));
        yield return new Measurement<int>(g.TcpTunnels, new KeyValuePair<string, object?>("transport", Transports.Tcp));
        yield return new Measurement<int>(g.RelayTunnels, new KeyValuePair<string, object?>("transport", Transports.Relay));
    }
}

/// <summary>Live values read at scrape time.</summary>
public readonly record struct MeshGauges(int ConnectedPeers, long BytesSent, long BytesReceived, int UdpTunnels, int TcpTunnels, int RelayTunnels);

/// <summary>The reasons in <c>aegisray_packets_dropped_total{reason}</c>.</summary>
public static class DropReasons
{
    public const string Malformed = "malformed";
    public const string NotIPv4 = "not_ipv4";
    public const string UnknownSession = "unknown_session";
    public const string Replay = "replay";
    public const string Forged = "forged";
    public const string Firewall = "firewall";
    public const string NoRoute = "no_route";
    public const string Spoofed = "spoofed_source";
    public const string QueueFull = "queue_full";
    public const string RateLimited = "rate_limited";
    public const string Expired = "expired_session";

    public static IReadOnlyList<string> All { get; } =
        [Malformed, NotIPv4, UnknownSession, Replay, Forged, Firewall, NoRoute, Spoofed, QueueFull, RateLimited, Expired];
}
