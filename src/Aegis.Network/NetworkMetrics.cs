using System.Diagnostics.Metrics;
using Aegis.Core;

namespace Aegis.Network;

/// <summary>The network's instruments, on the "Aegis.Network" meter that the node's Prometheus endpoint exports.</summary>
internal static class NetworkMetrics
{
    public static readonly Meter Meter = new(SecureTransport.MeterName, AegisVersion.Value);

    /// <summary>Untagged on purpose: the reason is in the log line and in <see cref="HandshakeException.Reason"/>.</summary>
    public static readonly Counter<long> AuthFailures = Meter.CreateCounter<long>(
        "aegis_auth_failures_total",
        description: "Failed P2P handshakes: wrong version or chain, bad signature, refused identity, timeout or garbage");
}
