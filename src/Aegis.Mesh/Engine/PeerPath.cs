namespace Aegis.Mesh.Engine;

/// <summary>The transport names in /peers and in the <c>aegisray_tunnels{transport}</c> metric.</summary>
public static class Transports
{
    public const string Udp = "udp";
    public const string Tcp = "tcp";
    public const string Relay = "relay";
}

/// <summary>How packets reach a peer right now: a UDP endpoint, a TLS link, or another peer acting as relay. Immutable; a switch replaces it.</summary>
public abstract class PeerPath
{
    public abstract string Transport { get; }

    public abstract string Describe();
}

public sealed class UdpPath(UdpEndpoint endpoint) : PeerPath
{
    public UdpEndpoint Endpoint { get; } = endpoint;

    public override string Transport => Transports.Udp;

    public override string Describe() => Endpoint.ToString();
}

public sealed class LinkPath(ILink link) : PeerPath
{
    public ILink Link { get; } = link;

    public override string Transport => Transports.Tcp;

    public override string Describe() => Link.Remote.ToString();
}

public sealed class RelayPath(Peer relay) : PeerPath
{
    public Peer Relay { get; } = relay;

    public override string Transport => Transports.Relay;

    public override string Describe() => $"via {Relay.Name}";
}

/// <summary>Where an underlay packet came from; replies and path decisions use it.</summary>
public readonly record struct PacketSource(UdpEndpoint Udp, ILink? Link, Peer? Relay)
{
    public static PacketSource FromUdp(UdpEndpoint endpoint) => new(endpoint, null, null);

    public static PacketSource FromLink(ILink link) => new(default, link, null);

    public static PacketSource FromRelay(Peer relay) => new(default, null, relay);

    public bool IsUdp => Link is null && Relay is null;

    public PeerPath ToPath() => Link is not null ? new LinkPath(Link) : Relay is not null ? new RelayPath(Relay) : new UdpPath(Udp);

    /// <summary>True when <paramref name="path"/> already is this source (so no new path object is needed).</summary>
    public bool Matches(PeerPath? path) => path switch
    {
        UdpPath u => IsUdp && u.Endpoint == Udp,
        LinkPath l => ReferenceEquals(l.Link, Link),
        RelayPath r => ReferenceEquals(r.Relay, Relay),
        _ => false,
    };

    public override string ToString() => Link is not null ? $"tcp {Link.Remote}" : Relay is not null ? $"relay {Relay.Name}" : $"udp {Udp}";
}
