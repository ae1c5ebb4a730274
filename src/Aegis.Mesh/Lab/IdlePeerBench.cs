using System.Diagnostics;
using Aegis.Mesh.Engine;
using Aegis.Mesh.Firewall;
using Aegis.Mesh.Hosting;
using Aegis.Mesh.Noise;
using Aegis.Mesh.Pki;
using Aegis.Mesh.Session;
using Microsoft.Extensions.Logging.Abstractions;

namespace Aegis.Mesh.Lab;

/// <summary>
/// Memory per idle peer (bench/compare-nebula.sh): one engine in this process completes real IX handshakes with
/// <c>peers</c> other engines over an in-process underlay; each client engine is disposed once its tunnel is up, so
/// what stays is the hub's per-peer state (peer, session keys and AEAD contexts, replay window, certificate). Reports the
/// growth of the managed heap and of the process RSS (which includes OpenSSL's native cipher contexts), per peer.
/// </summary>
public static class IdlePeerBench
{
    public static (double ManagedBytesPerPeer, double RssBytesPerPeer, int Peers) Run(int peers)
    {
        var clock = new BenchClock();
        var ca = CertificateAuthority.Create("bench", TimeSpan.FromDays(1), DateTimeOffset.UtcNow);
        var trust = new TrustStore([ca.Certificate], []);
        var network = IPv4Network.Parse("100.64.0.0/16");
        var hubWire = new Wire();
        var hubKey = X25519KeyPair.Generate();
        var hubIdentity = new NodeIdentity(ca.Sign("hub", IPv4Network.Parse("100.64.0.1/16"), [], hubKey.PublicKey, TimeSpan.FromDays(1), DateTimeOffset.UtcNow), hubKey, trust);
        var options = new EngineOptions { NodeType = NodeType.Node, Network = network, MaxPeers = peers + 1000, UdpPort = 4242 };
        using var metrics = new MeshMetrics();
        using var hub = new MeshEngine(options, hubIdentity, new PacketFilter([], null), clock, hubWire, null, null, metrics, NullLogger.Instance, a => a());
        var hubEndpoint = new UdpEndpoint(1, 4242);
        hubWire.Deliver = (to, packet, from) => { };

        void Connect(int i)
        {
            var key = X25519KeyPair.Generate();
            uint address = network.NetworkAddress + 2 + (uint)i;
            var identity = new NodeIdentity(ca.Sign($"p{i}", new IPv4Network(address, 16), [], key.PublicKey, TimeSpan.FromDays(1), DateTimeOffset.UtcNow), key, trust);
            var clientWire = new Wire();
            using var clientMetrics = new MeshMetrics();
            var clientBuffers = new DataBuffers();
            var hubBuffers = new DataBuffers();
            var me = new UdpEndpoint(1000 + (uint)i, 4242);
            var clientOptions = new EngineOptions { NodeType = NodeType.Node, Network = network, UdpPort = 4242, Coordinators = [("hub", hubEndpoint, (IReadOnlyList<UdpEndpoint>)[hubEndpoint])] };
            using var client = new MeshEngine(clientOptions, identity, new PacketFilter([], null), clock, clientWire, null, null, clientMetrics, NullLogger.Instance, a => a());
            var pending = new Queue<(bool ToHub, byte[] Packet)>();
            clientWire.Deliver = (_, packet, _) => pending.Enqueue((true, packet));
            hubWire.Deliver = (_, packet, _) => pending.Enqueue((false, packet));
            client.Start();
            while (pending.TryDequeue(out var item))
            {
                if (item.ToHub)
                {
                    hub.OnUnderlayPacket(item.Packet, PacketSource.FromUdp(me), hubBuffers);
                }
                else
                {
                    client.OnUnderlayPacket(item.Packet, PacketSource.FromUdp(hubEndpoint), clientBuffers);
                }
            }

            key.Dispose();
        }

        // Warm-up before the baseline, in two rounds with a pause after each: the runtime re-compiles hot methods at
        // tier 1 on a background thread once calls stop arriving for ~100 ms, and that one-time code (~10 MB) landing
        // after the baseline read as 10–17 KB "per peer" at 1,000 peers (measured: 6.6 KB with DOTNET_TieredCompilation=0;
        // 17 KB at 1,000, 10.5 KB at 2,000, 6.8 KB at 4,000 peers with tiering).
        const int warmUp = 250;
        for (int i = 0; i < warmUp; i++)
        {
            Connect(i);
            if (i is 150 or warmUp - 1)
            {
                Thread.Sleep(1000);
            }
        }

        // Idle: no packet either way for the active window; the hub's tick then releases the sessions' cipher contexts
        // (TransportSession.ReleaseContexts), before each measurement alike.
        void Idle()
        {
            clock.SkippedMs += options.ActiveWindowMs + 1000;
            hub.Tick();
        }

        Idle();
        (long managed0, long rss0) = Measure();
        for (int i = warmUp; i < peers + warmUp; i++)
        {
            Connect(i);
        }

        Idle();
        (long managed1, long rss1) = Measure();
        int up = hub.Peers.Count(p => p.Current is not null);
        if (up != peers + warmUp)
        {
            throw new InvalidOperationException($"only {up} of {peers + warmUp} tunnels came up");
        }

        GC.KeepAlive(hub);
        return ((managed1 - managed0) / (double)peers, (rss1 - rss0) / (double)peers, peers);
    }

    private static (long Managed, long Rss) Measure()
    {
        for (int i = 0; i < 3; i++)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }

        // The disposed client engines' native memory (OpenSSL contexts, key buffers) is free but still in glibc's
        // arenas; hand it back so the RSS difference is what the hub keeps, not what the bench's clients left behind.
        _ = Tun.Libc.MallocTrim(0);

        using var self = Process.GetCurrentProcess();
        self.Refresh();
        return (GC.GetTotalMemory(forceFullCollection: true), self.WorkingSet64);
    }

    /// <summary>The system clock, plus the idle time the bench skips (handshake rate limits still see real time pass).</summary>
    private sealed class BenchClock : IMeshClock
    {
        public long SkippedMs { get; set; }

        public long NowMs => Environment.TickCount64 + SkippedMs;

        public DateTimeOffset UtcNow => DateTimeOffset.UtcNow;
    }

    private sealed class Wire : IUdpSender
    {
        public Action<UdpEndpoint, byte[], UdpEndpoint> Deliver { get; set; } = (_, _, _) => { };

        public void Send(UdpEndpoint to, ReadOnlySpan<byte> packet) => Deliver(to, packet.ToArray(), default);

        public void Flush()
        {
        }
    }
}
