using System.Diagnostics.Metrics;
using Aegis.Core;

namespace Aegis.Network;

/// <summary>The network's instruments, on the "Aegis.Network" meter that the node's Prometheus endpoint exports.</summary>
internal static class NetworkMetrics
{
    public static readonly Meter Meter = new(SecureTransport.MeterName, AegisVersion.Value);

    /// <summary>Tagged with the reason, one of the <see cref="HandshakeFailure"/> names: a fixed set, so a flood cannot grow the series.</summary>
    public static readonly Counter<long> AuthFailures = Meter.CreateCounter<long>(
        "aegis_auth_failures_total",
        description: "Failed P2P handshakes: wrong version or chain, bad signature, refused identity, timeout or garbage");

    /// <summary>Tagged with the reason, one of the <see cref="PeerRefusal"/> names.</summary>
    public static readonly Counter<long> Refusals = Meter.CreateCounter<long>(
        "aegis_p2p_connections_refused_total",
        description: "P2P connections the admission rules refused: per-IP connection or handshake-rate limit, pending handshakes, observers off, observer or peer limit, identity in use");

    private static readonly string[] FailureLabels = Labels<HandshakeFailure>();
    private static readonly string[] RefusalLabels = Labels<PeerRefusal>();

    public static IReadOnlyList<string> ReasonLabels => FailureLabels;

    public static IReadOnlyList<string> RefusalReasonLabels => RefusalLabels;

    /// <summary>The metric label of a failure reason, e.g. <c>bad_signature</c>.</summary>
    public static string ReasonLabel(HandshakeFailure reason) => FailureLabels[(int)reason];

    /// <summary>The metric label of a refusal, e.g. <c>per_ip_connections</c>.</summary>
    public static string ReasonLabel(PeerRefusal reason) => RefusalLabels[(int)reason];

    public static void CountRefusal(PeerRefusal reason) =>
        Refusals.Add(1, new KeyValuePair<string, object?>("reason", ReasonLabel(reason)));

    private static string[] Labels<T>()
        where T : struct, Enum =>
        [.. Enum.GetValues<T>().Select(f => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(f.ToString()))];
}
