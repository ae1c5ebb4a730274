using System.Security.Cryptography;
using Aegis.Mesh.Firewall;
using Aegis.Mesh.Hosting;
using Aegis.Mesh.Noise;
using Aegis.Mesh.Pki;
using Aegis.Mesh.Coordinator;
using Aegis.Mesh.Session;
using Microsoft.Extensions.Logging;

namespace Aegis.Mesh.Engine;

/// <summary>
/// One mesh node's protocol: peers, handshakes, sessions, paths, the coordinator role, relaying. It does no I/O of its
/// own: packets come in through <see cref="OnTunPacket"/> and <see cref="OnUnderlayPacket"/>, go out through the
/// interfaces it was given, and time is <see cref="IMeshClock"/>, so the unit tests run it over an in-memory network with
/// simulated time and production runs the same object over a TUN device, a UDP socket and TLS links.
///
/// Threads: the data path (<see cref="OnTunPacket"/>, <see cref="OnUnderlayPacket"/>) runs on the caller's thread and only
/// reads immutable snapshots (peer and session tables are copied on write) and volatile references. Everything else
/// — handshakes, control messages, timers — is posted to one control loop through the <c>post</c> delegate and runs
/// there, one at a time.
/// </summary>
public sealed partial class MeshEngine : IDisposable
{
    private readonly EngineOptions _options;
    private readonly IMeshClock _clock;
    private readonly IUdpSender _udp;
    private readonly ILinkDialer? _dialer;
    private readonly ITunWriter? _tun;
    private readonly MeshMetrics _metrics;
    private readonly ILogger _log;
    private readonly Action<Action> _post;
    private readonly NoiseProtocol _protocol;
    private readonly byte[] _prologue;
    private readonly DataBuffers _controlBuffers = new();

    private volatile NodeIdentity _identity;
    private volatile PacketFilter _filter;
    private volatile Dictionary<uint, Peer> _peers = [];
    private volatile Dictionary<uint, SessionSlot> _sessions = [];
    private volatile Peer? _exitPeer;
    private uint _address;

    // Control loop only.
    private readonly Dictionary<uint, PendingHandshake> _pending = [];
    private readonly List<DialTarget> _coordinatorTargets = [];
    private readonly Dictionary<long, ILink> _links = [];
    private readonly Dictionary<Aegis.Core.Crypto.Hash32, uint> _vouched = [];
    private readonly RecentInits _recentInits = new(256);
    private long _lastSweepMs;
    private long _lastRegisterMs = long.MinValue / 2;
    private long _lastExitQueryMs = long.MinValue / 2;
    private long _handshakeWindowStartMs;
    private int _handshakesInWindow;
    private ulong _pingId;

    public MeshEngine(EngineOptions options, NodeIdentity identity, PacketFilter filter, IMeshClock clock, IUdpSender udp,
        ILinkDialer? dialer, ITunWriter? tun, MeshMetrics metrics, ILogger log, Action<Action> post)
    {
        _options = options;
        _identity = identity;
        _filter = filter;
        _clock = clock;
        _udp = udp;
        _dialer = dialer;
        _tun = tun;
        _metrics = metrics;
        _log = log;
        _post = post;
        _protocol = NoiseProtocol.Mesh(options.Cipher);
        _prologue = System.Text.Encoding.UTF8.GetBytes($"aegisray/1 {options.NetworkName}");
        _address = identity.Certificate.Address?.Address ?? 0;
        Coordinator = options.NodeType == NodeType.Coordinator ? new CoordinatorDirectory() : null;
        foreach ((string label, UdpEndpoint tcp, IReadOnlyList<UdpEndpoint> udpCandidates) in options.Coordinators)
        {
            var target = new DialTarget(null) { Label = label, TcpEndpoint = tcp };
            foreach (UdpEndpoint u in udpCandidates)
            {
                target.AddUdpCandidate(u);
            }

            _coordinatorTargets.Add(target);
        }

        metrics.Observe(Gauges);
    }

    public EngineOptions Options => _options;

    public NodeIdentity Identity => _identity;

    /// <summary>This node's mesh address: from its certificate, or leased by a coordinator (0 until then).</summary>
    public uint Address => Volatile.Read(ref _address);

    public string Name => _identity.Certificate.Name;

    /// <summary>The coordinator's directory and registry when this node is a coordinator; null otherwise.</summary>
    public CoordinatorDirectory? Coordinator { get; }

    /// <summary>Raised on the control loop when a coordinator leases this node its address.</summary>
    public event Action<IPv4Network>? LeaseAssigned;

    public IReadOnlyCollection<Peer> Peers => _peers.Values;

    public int PendingHandshakes => _pending.Count;

    /// <summary>Starts connecting to the configured coordinators (call on the control loop).</summary>
    public void Start()
    {
        foreach (DialTarget target in _coordinatorTargets)
        {
            StartDial(target);
        }
    }

    /// <summary>SIGHUP: a new certificate, trust store and firewall rules, without touching the tunnels.</summary>
    public void Reload(NodeIdentity identity, IReadOnlyList<FirewallRule> inbound, IReadOnlyList<FirewallRule>? outbound)
    {
        IReadOnlySet<Aegis.Core.Crypto.Hash32> learned = _identity.Trust.Revoked;
        _identity = identity with { Trust = identity.Trust.WithRevoked(learned) };
        _filter = _filter.WithRules(inbound, outbound);
        if (identity.Certificate.Address is { } a)
        {
            Volatile.Write(ref _address, a.Address);
        }

        DropRevokedPeers();
    }

    /// <summary>Sends what this thread batched for UDP (link readers call it after each frame).</summary>
    public void FlushUdp() => _udp.Flush();

    public MeshGauges Gauges()
    {
        int connected = 0, udp = 0, tcp = 0, relay = 0;
        long sent = 0, received = 0;
        foreach (Peer p in _peers.Values)
        {
            sent += p.BytesSent;
            received += p.BytesReceived;
            if (p.Current is null || p.Path is not { } path)
            {
                continue;
            }

            connected++;
            switch (path)
            {
                case UdpPath: udp++; break;
                case LinkPath: tcp++; break;
                default: relay++; break;
            }
        }

        return new MeshGauges(connected, sent, received, udp, tcp, relay);
    }

    public void Dispose()
    {
        foreach (SessionSlot slot in _sessions.Values)
        {
            slot.Session.Dispose();
        }

        foreach (PendingHandshake p in _pending.Values)
        {
            p.Handshake.Dispose();
        }

        _pending.Clear();
    }

    private Peer GetOrCreatePeer(uint address, string name)
    {
        if (_peers.TryGetValue(address, out Peer? existing))
        {
            return existing;
        }

        var peer = new Peer(address, name);
        _peers = new Dictionary<uint, Peer>(_peers) { [address] = peer };
        return peer;
    }

    private void RemovePeer(Peer peer)
    {
        peer.Current = null;
        peer.Path = null;
        foreach (TransportSession s in peer.Sessions)
        {
            RemoveSession(s);
        }

        peer.Sessions.Clear();
        peer.ClearQueue();
        peer.Dial.Active = false;
        var copy = new Dictionary<uint, Peer>(_peers);
        copy.Remove(peer.MeshAddress);
        _peers = copy;
        if (ReferenceEquals(_exitPeer, peer))
        {
            _exitPeer = null;
        }
    }

    private void RemoveSession(TransportSession session)
    {
        // A disposed current session fails every send while the peer looks connected, and nothing re-dials it.
        if (_sessions.TryGetValue(session.LocalIndex, out SessionSlot? slot) && ReferenceEquals(slot.Peer.Current, session))
        {
            throw new InvalidOperationException($"{slot.Peer}: removing its current session {session.LocalIndex}");
        }

        var copy = new Dictionary<uint, SessionSlot>(_sessions);
        copy.Remove(session.LocalIndex);
        _sessions = copy;
        session.Dispose();
    }

    private uint NewIndex()
    {
        while (true)
        {
            uint index = BitConverter.ToUInt32(RandomNumberGenerator.GetBytes(4));
            if (index != 0 && !_sessions.ContainsKey(index) && !_pending.ContainsKey(index))
            {
                return index;
            }
        }
    }

    private sealed record SessionSlot(TransportSession Session, Peer Peer);

    private sealed record PendingHandshake(HandshakeState Handshake, DialTarget Target, long StartedMs);
}
