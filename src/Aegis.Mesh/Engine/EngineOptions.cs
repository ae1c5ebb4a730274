using Aegis.Mesh.Noise;
using Aegis.Mesh.Pki;
using Aegis.Mesh.Session;

namespace Aegis.Mesh.Engine;

/// <summary>What the engine needs from node.yaml, plus its timers (tests shorten them; operators rarely touch them).</summary>
public sealed class EngineOptions
{
    public required NodeType NodeType { get; init; }

    public required IPv4Network Network { get; init; }

    /// <summary>Goes into the Noise prologue: nodes of different networks cannot complete a handshake by accident.</summary>
    public string NetworkName { get; init; } = "default";

    public ushort UdpPort { get; init; }

    public ushort TcpPort { get; init; }

    public NoiseCipherKind Cipher { get; init; } = NoiseCipherKind.AesGcm;

    public int MaxPeers { get; init; } = 50;

    public bool ExitEnabled { get; init; }

    public string UseExit { get; init; } = "";

    /// <summary>Coordinators from the config: their TLS endpoint, and UDP endpoints to try first.</summary>
    public IReadOnlyList<(string Label, UdpEndpoint Tcp, IReadOnlyList<UdpEndpoint> Udp)> Coordinators { get; init; } = [];

    /// <summary>This node's own underlay addresses, announced to coordinators (peers on the same LAN use them).</summary>
    public IReadOnlyList<UdpEndpoint> LocalEndpoints { get; init; } = [];

    public int HandshakeRetryMs { get; init; } = 500;

    /// <summary>How long UDP alone is tried before TLS on TCP is tried too (measured: a LAN handshake takes ~2 ms).</summary>
    public int UdpGraceMs { get; init; } = 1000;

    /// <summary>How long direct paths are tried before relays are tried too.</summary>
    public int RelayGraceMs { get; init; } = 2000;

    public int DialGiveUpMs { get; init; } = 20_000;

    public int PingIntervalMs { get; init; } = 2000;

    /// <summary>A path that stays silent this long while pings go out is dead: the peer is dialled again, all transports.</summary>
    public int DeadAfterMs { get; init; } = 6000;

    /// <summary>How often a peer off direct UDP is probed over UDP, to switch back when it works again.</summary>
    public int ProbeIntervalMs { get; init; } = 5000;

    public long RekeyAfterMs { get; init; } = 120_000;

    public ulong RekeyAfterPackets { get; init; } = 1UL << 40;

    /// <summary>A session older than this is never used again (a rekey normally replaced it long before).</summary>
    public long RejectAfterMs { get; init; } = 180_000;

    public int RegisterIntervalMs { get; init; } = 15_000;

    /// <summary>Traffic in the last this-many ms makes a peer "active": pinged for latency and liveness.</summary>
    public int ActiveWindowMs { get; init; } = 30_000;

    /// <summary>Initiations answered per second, at most: a flood of them costs three DH operations each.</summary>
    public int MaxHandshakesPerSecond { get; init; } = 500;
}
