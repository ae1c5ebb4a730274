using System.Collections.Concurrent;
using Aegis.Mesh.Packets;

namespace Aegis.Mesh.Firewall;

/// <summary>
/// Flows this node took part in, so the answers to what it sent (or to what the rules let in) pass without a rule: the
/// inbound default is deny, and without state a ping's echo reply would be refused. Entries expire when idle
/// (TCP 5 min, UDP 3 min, ICMP 30 s) and the table is bounded, so a flood of new flows cannot grow it without limit.
/// </summary>
public sealed class ConnTrack
{
    public const int MaxFlows = 65536;

    private readonly ConcurrentDictionary<FlowKey, long> _flows = new();

    public int Count => _flows.Count;

    /// <summary>Records (or refreshes) the flow of a packet this node sends to <paramref name="remote"/>.</summary>
    public void Track(in IPv4Packet packet, uint remote, bool outbound, long nowMs)
    {
        FlowKey key = outbound ? new FlowKey(packet.Protocol, packet.SourcePort, remote, packet.DestinationPort) : new FlowKey(packet.Protocol, packet.DestinationPort, remote, packet.SourcePort);
        long expiry = nowMs + Ttl(packet.Protocol);
        // Refreshing on every packet of a bulk flow would write the table at line rate; once a second is plenty.
        if (_flows.TryGetValue(key, out long current) && current > expiry - 1000)
        {
            return;
        }

        if (_flows.Count >= MaxFlows && !_flows.ContainsKey(key))
        {
            return;
        }

        _flows[key] = expiry;
    }

    /// <summary>True when an inbound packet from <paramref name="remote"/> answers a tracked flow.</summary>
    public bool IsReply(in IPv4Packet packet, uint remote, long nowMs) =>
        _flows.TryGetValue(new FlowKey(packet.Protocol, packet.DestinationPort, remote, packet.SourcePort), out long expiry) && expiry > nowMs;

    /// <summary>True when an outbound packet belongs to a tracked flow (an answer to something the rules let in).</summary>
    public bool IsTrackedOutbound(in IPv4Packet packet, long nowMs) =>
        _flows.TryGetValue(new FlowKey(packet.Protocol, packet.SourcePort, packet.Destination, packet.DestinationPort), out long expiry) && expiry > nowMs;

    public void Sweep(long nowMs)
    {
        foreach (KeyValuePair<FlowKey, long> flow in _flows)
        {
            if (flow.Value <= nowMs)
            {
                _flows.TryRemove(flow);
            }
        }
    }

    private static long Ttl(byte protocol) => protocol switch
    {
        IPv4Packet.Tcp => 300_000,
        IPv4Packet.Udp => 180_000,
        _ => 30_000,
    };

    private readonly record struct FlowKey(byte Protocol, ushort LocalPort, uint Remote, ushort RemotePort);
}
