namespace Aegis.Network;

/// <summary>Why the node's admission rules turned a connection away; the <c>reason</c> of <c>aegis_p2p_connections_refused_total</c>.</summary>
public enum PeerRefusal
{
    /// <summary>The address already holds <see cref="PeerLimits.MaxConnectionsPerIp"/> connections (reset on arrival).</summary>
    PerIpConnections,

    /// <summary>The address started more than <see cref="PeerLimits.HandshakesPerSecondPerIp"/> handshakes this second (reset on arrival).</summary>
    HandshakeRate,

    /// <summary><see cref="PeerLimits.MaxPendingHandshakes"/> handshakes were already in progress (reset on arrival).</summary>
    PendingHandshakes,

    /// <summary>An identity outside the validator set, and this node accepts no observers (told in the handshake).</summary>
    ObserversOff,

    /// <summary>The node already has <see cref="PeerLimits.MaxObservers"/> observers (told in the handshake).</summary>
    ObserverLimit,

    /// <summary>The node already has <see cref="PeerLimits.MaxPeers"/> peers, so no observer gets in (told in the handshake).</summary>
    PeerLimit,

    /// <summary>A validator identity that is live on another connection: a second process holds its key (told in the handshake).</summary>
    IdentityInUse,
}
