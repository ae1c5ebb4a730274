using System.Diagnostics.Metrics;

namespace Aegis.Network;

/// <summary>
/// The instruments the peer network records into. The host owns them (their names are in the node's metrics
/// contract, next to the consensus ones), so the network only counts and never decides what is exported.
/// </summary>
/// <param name="BytesSent">aegis_p2p_bytes_sent_total</param>
/// <param name="BytesReceived">aegis_p2p_bytes_received_total</param>
/// <param name="PeerRtt">aegis_p2p_peer_rtt_seconds, tagged with the peer</param>
/// <param name="Failures">counted with a "kind" tag: protocol_violation, malformed_message, oversized_outgoing</param>
public sealed record PeerMetrics(Counter<long> BytesSent, Counter<long> BytesReceived, Histogram<double> PeerRtt, Counter<long> Failures)
{
    internal void Failure(string kind) => Failures.Add(1, new KeyValuePair<string, object?>("kind", kind));
}
