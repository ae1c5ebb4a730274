namespace Aegis.Network;

/// <summary>
/// The P2P perimeter: how much one address may take of a node before anything is authenticated, how long a
/// handshake may take, and who may stay connected as an observer. Bound from the <c>p2p</c> config section.
/// </summary>
public sealed record PeerLimits
{
    /// <summary>
    /// Connections one IP address (an IPv6 /64) may hold at once while handshaking or connected as an observer. A peer
    /// that proves a validator identity stops counting, so validators on one host (a local testnet) never crowd each
    /// other out. Beyond it a new connection is reset on arrival.
    /// </summary>
    public int MaxConnectionsPerIp { get; init; } = 16;

    /// <summary>
    /// Handshakes one IP address (an IPv6 /64) may start per second (a token bucket holding one second's worth).
    /// 333,883 connections in 28 s from one address were the black-box flood; every one of them cost ECDH and a
    /// signature check before this limit.
    /// </summary>
    public int HandshakesPerSecondPerIp { get; init; } = 20;

    /// <summary>Handshakes in progress (or finished and not yet taken) across all addresses; beyond it connections are reset.</summary>
    public int MaxPendingHandshakes { get; init; } = SecureListener.DefaultMaxPendingHandshakes;

    /// <summary>The whole handshake (and, when dialing, the TCP connect): a slow or silent peer is dropped after it.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Whether identities outside the validator set may connect (as observers, which never vote).</summary>
    public bool AllowObservers { get; init; } = true;

    /// <summary>Observers connected at once.</summary>
    public int MaxObservers { get; init; } = 16;

    /// <summary>Peers connected at once (the contract's <c>max_peers</c>): observers are refused beyond it; validators always get in.</summary>
    public int MaxPeers { get; init; } = 50;

    /// <summary>
    /// A repeated warning (a refusal, a failed handshake) is written at most once per interval per reason, with the
    /// number of lines it stands for: a flood costs a few lines a minute, not a disk.
    /// </summary>
    public TimeSpan LogInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Throws naming the first limit out of range; config validation reports them to operators first.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxConnectionsPerIp, 1, nameof(MaxConnectionsPerIp));
        ArgumentOutOfRangeException.ThrowIfLessThan(HandshakesPerSecondPerIp, 1, nameof(HandshakesPerSecondPerIp));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxPendingHandshakes, 1, nameof(MaxPendingHandshakes));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(HandshakeTimeout, TimeSpan.Zero, nameof(HandshakeTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxObservers, 0, nameof(MaxObservers));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxPeers, 1, nameof(MaxPeers));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(LogInterval, TimeSpan.Zero, nameof(LogInterval));
    }
}
