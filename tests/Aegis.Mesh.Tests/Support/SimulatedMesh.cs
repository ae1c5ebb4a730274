using Aegis.Mesh.Engine;
using Aegis.Mesh.Firewall;
using Aegis.Mesh.Hosting;
using Aegis.Mesh.Noise;
using Aegis.Mesh.Pki;
using Aegis.Mesh.Session;
using Microsoft.Extensions.Logging.Abstractions;

namespace Aegis.Mesh.Tests.Support;

/// <summary>
/// Real engines over an in-memory underlay with simulated time: UDP datagrams and TLS links are queued with a 1 ms
/// delay, any pair can be cut (UDP only, or everything), a node can sit behind a NAT that only lets in answers to what
/// it sent, and time only moves when the test says so. The control loop runs inline (one thread), so runs repeat exactly.
/// </summary>
internal sealed class SimulatedMesh : IDisposable
{
    public const ushort UdpPort = 4242;
    public const ushort TcpPort = 443;

    private readonly PriorityQueue<Action, (long, long)> _queue = new();
    private long _sequence;
    private readonly HashSet<(uint, uint)> _udpBlocked = [];
    private readonly HashSet<(uint, uint)> _allBlocked = [];
    private long _nextLinkId = 1;
    private long _lastTickMs;

    public SimulatedMesh(TimeSpan? caDuration = null)
    {
        Ca = CertificateAuthority.Create("test-ca", caDuration ?? TimeSpan.FromDays(365), Clock.UtcNow);
    }

    public ManualClock Clock { get; } = new();

    public CertificateAuthority Ca { get; }

    public IPv4Network Network { get; } = IPv4Network.Parse("100.64.0.0/16");

    public List<SimNode> Nodes { get; } = [];

    public bool BlockAllUdp { get; set; }

    public SimNode Add(string name, NodeType type, string? meshAddress, uint underlay, IReadOnlyList<SimNode>? coordinators = null,
        IReadOnlyList<string>? groups = null, IReadOnlyList<FirewallRule>? inbound = null, Action<EngineOptionsBuilder>? tune = null,
        CertificateAuthority? ca = null, TrustStore? trust = null, bool behindNat = false)
    {
        var key = X25519KeyPair.Generate();
        MeshCertificate cert = (ca ?? Ca).Sign(name, meshAddress is null ? null : IPv4Network.Parse(meshAddress), groups ?? [], key.PublicKey, TimeSpan.FromDays(30), Clock.UtcNow);
        var identity = new NodeIdentity(cert, key, trust ?? new TrustStore([Ca.Certificate], []));
        var builder = new EngineOptionsBuilder
        {
            NodeType = type,
            Coordinators = (coordinators ?? []).Select(c => ($"{c.Name}", new UdpEndpoint(c.Underlay, TcpPort), (IReadOnlyList<UdpEndpoint>)[new UdpEndpoint(c.Underlay, UdpPort)])).ToList(),
        };
        tune?.Invoke(builder);
        var node = new SimNode(this, name, underlay, behindNat);
        var options = new EngineOptions
        {
            NodeType = type,
            Network = Network,
            NetworkName = "test",
            UdpPort = UdpPort,
            TcpPort = TcpPort,
            Coordinators = builder.Coordinators,
            MaxPeers = builder.MaxPeers,
            RekeyAfterMs = builder.RekeyAfterMs,
            RekeyAfterPackets = builder.RekeyAfterPackets,
            ExitEnabled = builder.ExitEnabled,
            UseExit = builder.UseExit,
        };
        var filter = new PacketFilter(inbound ?? [new FirewallRule(null, 0, ushort.MaxValue, [FirewallRule.Any], [], [])], null);
        node.Metrics = new MeshMetrics();
        node.Engine = new MeshEngine(options, identity, filter, Clock, node, node, node, node.Metrics, NullLogger.Instance, a => a());
        Nodes.Add(node);
        node.Engine.Start();
        return node;
    }

    public void BlockUdp(SimNode a, SimNode b)
    {
        _udpBlocked.Add((a.Underlay, b.Underlay));
        _udpBlocked.Add((b.Underlay, a.Underlay));
    }

    public void Block(SimNode a, SimNode b)
    {
        _allBlocked.Add((a.Underlay, b.Underlay));
        _allBlocked.Add((b.Underlay, a.Underlay));
    }

    /// <summary>Nothing from <paramref name="from"/> reaches <paramref name="to"/> (the other way still works).</summary>
    public void BlockOneWay(SimNode from, SimNode to) => _allBlocked.Add((from.Underlay, to.Underlay));

    public void Unblock()
    {
        _udpBlocked.Clear();
        _allBlocked.Clear();
        BlockAllUdp = false;
    }

    /// <summary>Runs deliveries and 100 ms ticks until <paramref name="ms"/> of simulated time have passed.</summary>
    public void Run(long ms)
    {
        long end = Clock.ExactMs + ms;
        while (Clock.ExactMs < end)
        {
            while (_queue.TryPeek(out _, out (long At, long Seq) key) && key.At <= Clock.ExactMs)
            {
                _queue.Dequeue()();
            }

            if (Clock.ExactMs - _lastTickMs >= 100)
            {
                _lastTickMs = Clock.ExactMs;
                foreach (SimNode n in Nodes.Where(n => n.Running))
                {
                    n.Engine.Tick();
                }
            }

            Clock.Advance(1);
        }
    }

    /// <summary>Runs until <paramref name="condition"/> holds (checked every ms), at most <paramref name="limitMs"/>; returns the time it took.</summary>
    public long RunUntil(Func<bool> condition, long limitMs = 30_000)
    {
        long start = Clock.ExactMs;
        while (!condition())
        {
            if (Clock.ExactMs - start > limitMs)
            {
                throw new TimeoutException($"condition not met within {limitMs} ms of simulated time");
            }

            Run(1);
        }

        return Clock.ExactMs - start;
    }

    internal bool CanReach(uint from, uint to, bool udp) =>
        !_allBlocked.Contains((from, to)) && !(udp && (BlockAllUdp || _udpBlocked.Contains((from, to))));

    internal void Schedule(Action action, long delayMs = 1) => _queue.Enqueue(action, (Clock.ExactMs + delayMs, _sequence++));

    internal SimNode? NodeAt(uint underlay) => Nodes.FirstOrDefault(n => n.Underlay == underlay && n.Running);

    internal long NextLinkId() => _nextLinkId++;

    public void Dispose()
    {
        foreach (SimNode n in Nodes)
        {
            n.Engine.Dispose();
            n.Metrics.Dispose();
        }
    }
}

internal sealed class EngineOptionsBuilder
{
    public NodeType NodeType { get; set; }

    public IReadOnlyList<(string Label, UdpEndpoint Tcp, IReadOnlyList<UdpEndpoint> Udp)> Coordinators { get; set; } = [];

    public int MaxPeers { get; set; } = 50;

    public long RekeyAfterMs { get; set; } = 120_000;

    public ulong RekeyAfterPackets { get; set; } = 1UL << 40;

    public bool ExitEnabled { get; set; }

    public string UseExit { get; set; } = "";
}

internal sealed class ManualClock : IMeshClock
{
    private readonly DateTimeOffset _epoch = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

    private long _ms = 1_000_000;

    /// <summary>What the engine reads: like Linux's Environment.TickCount64 (CLOCK_MONOTONIC_COARSE), it may step coarsely.</summary>
    public long NowMs => _ms - (_ms % ResolutionMs);

    /// <summary>1 ms by default; 4 ms is what this machine's kernel (HZ=250) gives Environment.TickCount64.</summary>
    public long ResolutionMs { get; set; } = 1;

    public DateTimeOffset UtcNow => _epoch.AddMilliseconds(_ms);

    /// <summary>The simulation's own time, to the millisecond.</summary>
    public long ExactMs => _ms;

    public void Advance(long ms) => _ms += ms;
}
