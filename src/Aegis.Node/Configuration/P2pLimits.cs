using Aegis.Network;

namespace Aegis.Node.Configuration;

/// <summary>The <c>p2p</c> section as the network's perimeter settings.</summary>
public static class P2pLimits
{
    /// <summary>Observers are off by default in production: a node there admits only the validator set unless told otherwise.</summary>
    public static bool ObserversAllowed(this AegisConfig config) =>
        config.P2p.AllowObservers ?? config.Node.Environment != "production";

    public static PeerLimits PeerLimits(this AegisConfig config) => new()
    {
        MaxConnectionsPerIp = config.P2p.MaxConnectionsPerIp,
        HandshakesPerSecondPerIp = config.P2p.HandshakesPerSecondPerIp,
        MaxPendingHandshakes = config.P2p.MaxPendingHandshakes,
        HandshakeTimeout = TimeSpan.FromMilliseconds(config.P2p.HandshakeTimeoutMs),
        AllowObservers = config.ObserversAllowed(),
        MaxObservers = config.P2p.MaxObservers,
        MaxPeers = config.P2p.MaxPeers,
    };
}
