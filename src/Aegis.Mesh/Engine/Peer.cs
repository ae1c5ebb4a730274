using System.Collections.Concurrent;
using Aegis.Mesh.Pki;
using Aegis.Mesh.Session;

namespace Aegis.Mesh.Engine;

/// <summary>
/// Another member of the mesh, keyed by its mesh address. The data path reads <see cref="Current"/> and
/// <see cref="Path"/> (volatile references, swapped whole) and adds to the byte counters; everything else belongs to the
/// control loop.
/// </summary>
public sealed class Peer
{
    /// <summary>Packets held while a tunnel is being set up: enough for a TCP handshake and a few pings, no more.</summary>
    public const int MaxQueuedPackets = 16;

    private readonly ConcurrentQueue<byte[]> _queue = new();
    private TransportSession? _current;
    private PeerPath? _path;
    private long _bytesSent;
    private long _bytesReceived;
    private long _lastReceivedMs;
    private long _pathHeardMs;
    private long _lastDataSentMs;

    public Peer(uint meshAddress, string name)
    {
        MeshAddress = meshAddress;
        Name = name;
        Dial = new DialTarget(this);
    }

    public uint MeshAddress { get; }

    public string Name { get; set; }

    public MeshCertificate? Certificate { get; set; }

    public NodeType NodeType { get; set; }

    public TransportSession? Current
    {
        get => Volatile.Read(ref _current);
        set => Volatile.Write(ref _current, value);
    }

    public PeerPath? Path
    {
        get => Volatile.Read(ref _path);
        set => Volatile.Write(ref _path, value);
    }

    /// <summary>Every live session (current, the one it replaced during a rekey, a crossed handshake's); oldest first.</summary>
    public List<TransportSession> Sessions { get; } = [];

    /// <summary>How to reach the peer; a configured coordinator's peer takes over the coordinator's target.</summary>
    public DialTarget Dial { get; set; }

    /// <summary>Name and groups from the certificate, as firewall rules see them (a placeholder until the first handshake).</summary>
    public Firewall.MeshIdentity Identity { get; set; } = Firewall.MeshIdentity.Unknown;

    public long BytesSent => Interlocked.Read(ref _bytesSent);

    public long BytesReceived => Interlocked.Read(ref _bytesReceived);

    /// <summary>When anything authenticated last came from the peer, on any path (idle peers release their cipher contexts).</summary>
    public long LastReceivedMs => Volatile.Read(ref _lastReceivedMs);

    /// <summary>
    /// When something authenticated last came by <see cref="Path"/> itself: the liveness of that path. Packets by another
    /// path (a relayed one, a probe's answer, a handshake over a relay) say the peer is alive, not that this path works.
    /// </summary>
    public long PathHeardMs => Volatile.Read(ref _pathHeardMs);

    public long LastDataSentMs => Volatile.Read(ref _lastDataSentMs);

    public long LastHandshakeMs { get; set; }

    public DateTimeOffset? LastHandshakeAt { get; set; }

    public double? LatencyMs { get; set; }

    /// <summary>The last accepted initiation timestamp from this peer's key: older or equal ones are replays.</summary>
    public long LastInitTimestampMs { get; set; }

    /// <summary>The listening ports the peer announced in its handshake.</summary>
    public ushort UdpPort { get; set; }

    public ushort TcpPort { get; set; }

    public long LastPingMs { get; set; }

    public int UnansweredPings { get; set; }

    public long LastProbeMs { get; set; }

    /// <summary>When the peer last said it lost our session (<see cref="Packets.PacketType.SessionUnknown"/>).</summary>
    public long LastSessionUnknownMs { get; set; } = long.MinValue / 2;

    public bool IsCoordinator => NodeType == NodeType.Coordinator;

    public int QueuedPackets => _queue.Count;

    public void AddSent(int bytes, long nowMs)
    {
        Interlocked.Add(ref _bytesSent, bytes);
        if (Volatile.Read(ref _lastDataSentMs) != nowMs)
        {
            Volatile.Write(ref _lastDataSentMs, nowMs);
        }
    }

    public void AddReceived(int bytes, long nowMs)
    {
        Interlocked.Add(ref _bytesReceived, bytes);
        if (Volatile.Read(ref _lastReceivedMs) != nowMs)
        {
            Volatile.Write(ref _lastReceivedMs, nowMs);
        }
    }

    /// <summary>Something from the peer arrived by its current path.</summary>
    public void MarkPathHeard(long nowMs)
    {
        if (Volatile.Read(ref _pathHeardMs) != nowMs)
        {
            Volatile.Write(ref _pathHeardMs, nowMs);
        }
    }

    public void MarkReceived(long nowMs) => Volatile.Write(ref _lastReceivedMs, nowMs);

    /// <summary>Holds a packet until the tunnel is up; false (dropped) when the queue is full.</summary>
    public bool Enqueue(ReadOnlySpan<byte> packet)
    {
        if (_queue.Count >= MaxQueuedPackets)
        {
            return false;
        }

        _queue.Enqueue(packet.ToArray());
        return true;
    }

    public bool TryDequeue(out byte[] packet) => _queue.TryDequeue(out packet!);

    public void ClearQueue() => _queue.Clear();

    public override string ToString() => $"{Name} ({IPv4Network.Format(MeshAddress)})";
}

/// <summary>
/// How to reach a node before (and besides) its current path: candidate UDP endpoints, a TLS endpoint, and the state of
/// an attempt to connect. A coordinator from the config file has a target before it is a <see cref="Peer"/> (its mesh
/// address is learned from its certificate).
/// </summary>
public sealed class DialTarget
{
    public DialTarget(Peer? peer) => Peer = peer;

    public Peer? Peer { get; set; }

    public List<UdpEndpoint> UdpCandidates { get; } = [];

    public UdpEndpoint? TcpEndpoint { get; set; }

    /// <summary>The configured coordinator address, for a coordinator target; shown until its name is known.</summary>
    public string? Label { get; init; }

    public bool Active { get; set; }

    public long StartedMs { get; set; }

    public long NextAttemptMs { get; set; }

    public int Attempts { get; set; }

    public bool TcpDialing { get; set; }

    public long LastQueryMs { get; set; }

    /// <summary>Initiations in flight (our indices); only the newest few are kept.</summary>
    public List<uint> PendingIndices { get; } = [];

    public void AddUdpCandidate(UdpEndpoint endpoint)
    {
        if (!endpoint.IsEmpty && endpoint.Port != 0 && !UdpCandidates.Contains(endpoint))
        {
            UdpCandidates.Add(endpoint);
            if (UdpCandidates.Count > 8)
            {
                UdpCandidates.RemoveAt(0);
            }
        }
    }
}
