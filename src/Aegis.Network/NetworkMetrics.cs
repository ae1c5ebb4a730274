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

    private static readonly string[] Labels = [.. Enum.GetValues<HandshakeFailure>().Select(f => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(f.ToString()))];

    public static IReadOnlyList<string> ReasonLabels => Labels;

    /// <summary>The metric label of a failure reason, e.g. <c>bad_signature</c>.</summary>
    public static string ReasonLabel(HandshakeFailure reason) => Labels[(int)reason];
}
