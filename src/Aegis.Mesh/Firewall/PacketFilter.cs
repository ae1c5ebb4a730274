using Aegis.Mesh.Packets;

namespace Aegis.Mesh.Firewall;

/// <summary>
/// The per-packet firewall: inbound is denied unless a rule allows it or it answers a tracked flow; outbound is allowed
/// unless outbound rules are configured (then it needs one). The rule lists are immutable, so a SIGHUP reload swaps a new
/// filter in while the connection table carries over.
/// </summary>
public sealed class PacketFilter
{
    public PacketFilter(IReadOnlyList<FirewallRule> inbound, IReadOnlyList<FirewallRule>? outbound, ConnTrack? track = null)
    {
        Inbound = inbound;
        Outbound = outbound;
        Track = track ?? new ConnTrack();
    }

    public IReadOnlyList<FirewallRule> Inbound { get; }

    /// <summary>Null: everything outbound is allowed (the contract's default).</summary>
    public IReadOnlyList<FirewallRule>? Outbound { get; }

    public ConnTrack Track { get; }

    public PacketFilter WithRules(IReadOnlyList<FirewallRule> inbound, IReadOnlyList<FirewallRule>? outbound) => new(inbound, outbound, Track);

    public bool AllowOutbound(in IPv4Packet packet, MeshIdentity peer, long nowMs)
    {
        if (Outbound is not null && !Track.IsTrackedOutbound(packet, nowMs) && !AnyMatch(Outbound, packet, packet.Destination, peer))
        {
            return false;
        }

        Track.Track(packet, packet.Destination, outbound: true, nowMs);
        return true;
    }

    public bool AllowInbound(in IPv4Packet packet, MeshIdentity peer, long nowMs)
    {
        if (Track.IsReply(packet, packet.Source, nowMs))
        {
            return true;
        }

        if (!AnyMatch(Inbound, packet, packet.Source, peer))
        {
            return false;
        }

        Track.Track(packet, packet.Source, outbound: false, nowMs);
        return true;
    }

    private static bool AnyMatch(IReadOnlyList<FirewallRule> rules, in IPv4Packet packet, uint remote, MeshIdentity peer)
    {
        foreach (FirewallRule rule in rules)
        {
            if (rule.Matches(packet, remote, peer))
            {
                return true;
            }
        }

        return false;
    }
}
