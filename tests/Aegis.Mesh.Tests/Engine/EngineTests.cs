using Aegis.Mesh.Engine;
using Aegis.Mesh.Firewall;
using Aegis.Mesh.Pki;
using Aegis.Mesh.Session;
using Aegis.Mesh.Tests.Support;

namespace Aegis.Mesh.Tests.Engine;

/// <summary>The handshake and transport state machines of real engines over the in-memory underlay, in simulated time.</summary>
public sealed class EngineTests
{
    private static uint Ip(string text) => IPv4Network.Parse(text).Address;

    private static (SimulatedMesh Mesh, SimNode Coordinator, SimNode A, SimNode B) ThreeNodes(Action<SimulatedMesh>? before = null)
    {
        var mesh = new SimulatedMesh();
        before?.Invoke(mesh);
        SimNode c = mesh.Add("coord", NodeType.Coordinator, "100.64.0.1/16", Ip("10.0.0.1"));
        SimNode a = mesh.Add("a", NodeType.Node, "100.64.0.10/16", Ip("10.0.0.10"), [c]);
        SimNode b = mesh.Add("b", NodeType.Node, "100.64.0.11/16", Ip("10.0.0.11"), [c]);
        return (mesh, c, a, b);
    }

    private static Peer? PeerOf(SimNode node, SimNode other) => node.Engine.Peers.FirstOrDefault(p => p.MeshAddress == other.MeshAddress);

    [Fact]
    public void Nodes_register_with_the_coordinator_and_a_first_packet_finds_its_peer_over_udp()
    {
        (SimulatedMesh mesh, SimNode c, SimNode a, SimNode b) = ThreeNodes();
        using (mesh)
        {
            mesh.RunUntil(() => c.Engine.Coordinator!.Count == 2);
            byte[] ping = TestPackets.Icmp(a.MeshAddress, b.MeshAddress);
            a.SendIp(ping);
            long took = mesh.RunUntil(() => b.Delivered.Count == 1);
            Assert.Equal(ping, b.Delivered[0]);
            Assert.Equal(Transports.Udp, PeerOf(a, b)!.Path!.Transport);
            // Query to the coordinator, answer, handshake round trip, data: a handful of 1 ms hops.
            Assert.True(took < 20, $"first packet took {took} ms");
            b.SendIp(TestPackets.Icmp(b.MeshAddress, a.MeshAddress, type: 0));
            mesh.RunUntil(() => a.Delivered.Count == 1);
        }
    }

    [Fact]
    public void With_udp_blocked_everywhere_the_tunnel_comes_up_over_tls_links()
    {
        (SimulatedMesh mesh, SimNode c, SimNode a, SimNode b) = ThreeNodes(m => m.BlockAllUdp = true);
        using (mesh)
        {
            mesh.RunUntil(() => c.Engine.Coordinator!.Count == 2);
            a.SendIp(TestPackets.Icmp(a.MeshAddress, b.MeshAddress));
            mesh.RunUntil(() => b.Delivered.Count == 1);
            Assert.Equal(Transports.Tcp, PeerOf(a, b)!.Path!.Transport);
            Assert.Equal(Transports.Tcp, PeerOf(a, c)!.Path!.Transport);
        }
    }

    [Fact]
    public void A_peer_on_tls_moves_back_to_udp_once_udp_works_again()
    {
        (SimulatedMesh mesh, SimNode c, SimNode a, SimNode b) = ThreeNodes(m => m.BlockAllUdp = true);
        using (mesh)
        {
            mesh.RunUntil(() => c.Engine.Coordinator!.Count == 2);
            a.SendIp(TestPackets.Icmp(a.MeshAddress, b.MeshAddress));
            mesh.RunUntil(() => b.Delivered.Count == 1);
            mesh.Unblock();
            mesh.RunUntil(() => PeerOf(a, b)!.Path is UdpPath, 15_000);
            a.SendIp(TestPackets.Icmp(a.MeshAddress, b.MeshAddress, id: 8));
            mesh.RunUntil(() => b.Delivered.Count == 2);
        }
    }

    [Fact]
    public void When_two_nodes_cannot_reach_each_other_traffic_goes_through_the_relay_which_cannot_read_it()
    {
        (SimulatedMesh mesh, SimNode c, SimNode a, SimNode b) = ThreeNodes();
        using (mesh)
        {
            SimNode relay = mesh.Add("relay", NodeType.Relay, "100.64.0.2/16", Ip("10.0.0.2"), [c]);
            mesh.Block(a, b);
            mesh.RunUntil(() => PeerOf(a, relay)?.Current is not null && PeerOf(b, relay)?.Current is not null);
            byte[] ping = TestPackets.Icmp(a.MeshAddress, b.MeshAddress);
            a.SendIp(ping);
            mesh.RunUntil(() => b.Delivered.Count == 1);
            Assert.Equal(ping, b.Delivered[0]);
            Assert.Equal(Transports.Relay, PeerOf(a, b)!.Path!.Transport);
            Assert.Empty(relay.Delivered);
            // The relay holds no session with which to open a's packets to b: it has none between them.
            Assert.Null(relay.Engine.Peers.FirstOrDefault(p => p.Name == "a")?.Sessions.FirstOrDefault(s => s.RemoteIndex == PeerOf(b, a)!.Current!.LocalIndex));

            mesh.Unblock();
            mesh.RunUntil(() => PeerOf(a, b)!.Path is UdpPath, 15_000);
        }
    }

    [Fact]
    public void With_a_coarse_clock_the_responder_follows_the_session_the_initiator_completed()
    {
        // a's first initiation goes through the relay (nothing else known yet), its second over UDP a moment later: b
        // answers both within one 10 ms tick of the clock (HZ=100 kernels; 4 ms here). a completes whichever answer is first; b must send on that one.
        (SimulatedMesh mesh, SimNode c, SimNode a, SimNode b) = ThreeNodes(m => m.Clock.ResolutionMs = 10);
        using (mesh)
        {
            SimNode relay = mesh.Add("relay", NodeType.Relay, "100.64.0.2/16", Ip("10.0.0.2"), [c]);
            mesh.RunUntil(() => PeerOf(a, relay)?.Current is not null && PeerOf(b, relay)?.Current is not null && c.Engine.Coordinator!.Count == 3);
            a.SendIp(TestPackets.Icmp(a.MeshAddress, b.MeshAddress));
            mesh.RunUntil(() => b.Delivered.Count == 1);
            Assert.True(PeerOf(b, a)!.Sessions.Count >= 2, "the scenario needs two answered initiations");
            b.SendIp(TestPackets.Icmp(b.MeshAddress, a.MeshAddress, type: 0));
            // One round trip, not the 6 s liveness check re-dialling.
            mesh.RunUntil(() => a.Delivered.Count == 1, 200);
            Assert.Equal(PeerOf(a, b)!.Current!.LocalIndex, PeerOf(b, a)!.Current!.RemoteIndex);
        }
    }

    [Fact]
    public void A_node_behind_a_nat_is_reached_by_hole_punching()
    {
        var mesh = new SimulatedMesh();
        using (mesh)
        {
            SimNode c = mesh.Add("coord", NodeType.Coordinator, "100.64.0.1/16", Ip("10.0.0.1"));
            SimNode a = mesh.Add("a", NodeType.Node, "100.64.0.10/16", Ip("10.0.0.10"), [c]);
            SimNode natted = mesh.Add("d", NodeType.Node, "100.64.0.20/16", Ip("10.0.0.20"), [c], behindNat: true);
            mesh.RunUntil(() => c.Engine.Coordinator!.Count == 2);
            a.SendIp(TestPackets.Icmp(a.MeshAddress, natted.MeshAddress));
            mesh.RunUntil(() => natted.Delivered.Count == 1, 5000);
            Assert.Equal(Transports.Udp, PeerOf(a, natted)!.Path!.Transport);
        }
    }

    [Fact]
    public void The_inbound_firewall_refuses_what_no_rule_allows_and_answers_pass_by_connection_tracking()
    {
        var mesh = new SimulatedMesh();
        using (mesh)
        {
            SimNode c = mesh.Add("coord", NodeType.Coordinator, "100.64.0.1/16", Ip("10.0.0.1"));
            FirewallRule[] onlySshFromAdmins = [new FirewallRule(6, 22, 22, ["admins"], [], [])];
            SimNode server = mesh.Add("server", NodeType.Node, "100.64.0.10/16", Ip("10.0.0.10"), [c], inbound: onlySshFromAdmins);
            SimNode admin = mesh.Add("admin", NodeType.Node, "100.64.0.11/16", Ip("10.0.0.11"), [c], groups: ["admins"]);
            SimNode guest = mesh.Add("guest", NodeType.Node, "100.64.0.12/16", Ip("10.0.0.12"), [c], groups: ["guests"]);
            mesh.RunUntil(() => c.Engine.Coordinator!.Count == 3);

            admin.SendIp(TestPackets.Tcp(admin.MeshAddress, server.MeshAddress, 40000, 22));
            guest.SendIp(TestPackets.Tcp(guest.MeshAddress, server.MeshAddress, 40000, 22));
            admin.SendIp(TestPackets.Tcp(admin.MeshAddress, server.MeshAddress, 40000, 80));
            mesh.Run(200);
            Assert.Single(server.Delivered);

            // The server's own connection out: the answer comes back in although no rule allows port 5000 inbound.
            server.SendIp(TestPackets.Udp(server.MeshAddress, guest.MeshAddress, 5000, 53));
            mesh.RunUntil(() => guest.Delivered.Count == 1);
            guest.SendIp(TestPackets.Udp(guest.MeshAddress, server.MeshAddress, 53, 5000));
            mesh.RunUntil(() => server.Delivered.Count == 2);
            guest.SendIp(TestPackets.Udp(guest.MeshAddress, server.MeshAddress, 53, 5001));
            mesh.Run(50);
            Assert.Equal(2, server.Delivered.Count);
        }
    }

    [Fact]
    public void A_spoofed_inner_source_address_is_dropped()
    {
        (SimulatedMesh mesh, SimNode c, SimNode a, SimNode b) = ThreeNodes();
        using (mesh)
        {
            mesh.RunUntil(() => c.Engine.Coordinator!.Count == 2);
            a.SendIp(TestPackets.Icmp(a.MeshAddress, b.MeshAddress));
            mesh.RunUntil(() => b.Delivered.Count == 1);
            a.SendIp(TestPackets.Icmp(Ip("100.64.0.99"), b.MeshAddress));
            mesh.Run(50);
            Assert.Single(b.Delivered);
        }
    }

    [Fact]
    public void A_revoked_certificate_loses_its_tunnels_and_is_refused_afterwards()
    {
        (SimulatedMesh mesh, SimNode c, SimNode a, SimNode b) = ThreeNodes();
        using (mesh)
        {
            mesh.RunUntil(() => c.Engine.Coordinator!.Count == 2);
            a.SendIp(TestPackets.Icmp(a.MeshAddress, b.MeshAddress));
            mesh.RunUntil(() => b.Delivered.Count == 1);
            c.Engine.ApplyRevocations([b.Engine.Identity.Certificate.Fingerprint]);
            mesh.RunUntil(() => PeerOf(a, b) is null);
            long failuresBefore = AuthFailures(b, a);
            // b's stale session is dead at a; once b notices the silence and dials again, a refuses the handshake.
            for (int i = 0; i < 12; i++)
            {
                b.SendIp(TestPackets.Icmp(b.MeshAddress, a.MeshAddress, id: (ushort)i));
                mesh.Run(1000);
            }

            Assert.Empty(a.Delivered);
            Assert.True(AuthFailures(b, a) > failuresBefore);
        }
    }

    [Fact]
    public void Roaming_a_peer_whose_underlay_address_changes_keeps_its_session()
    {
        (SimulatedMesh mesh, SimNode c, SimNode a, SimNode b) = ThreeNodes();
        using (mesh)
        {
            mesh.RunUntil(() => c.Engine.Coordinator!.Count == 2);
            a.SendIp(TestPackets.Icmp(a.MeshAddress, b.MeshAddress));
            mesh.RunUntil(() => b.Delivered.Count == 1);
            Peer aAtB = PeerOf(b, a)!;
            var session = aAtB.Current;
            var moved = new UdpEndpoint(Ip("192.0.2.50"), 61000);
            // Re-deliver a's next packet as if its NAT had given it a new public address.
            a.SendIp(TestPackets.Icmp(a.MeshAddress, b.MeshAddress, id: 9));
            var sealedCopy = new byte[2048];
            int n = PeerOf(a, b)!.Current!.Seal(TestPackets.Icmp(a.MeshAddress, b.MeshAddress, id: 10), sealedCopy);
            b.Engine.OnUnderlayPacket(sealedCopy.AsSpan(0, n), PacketSource.FromUdp(moved), new DataBuffers());
            Assert.Equal(moved, Assert.IsType<UdpPath>(aAtB.Path).Endpoint);
            Assert.Same(session, aAtB.Current);
            // A replay of the same packet from yet another address is refused and does not move the peer.
            b.Engine.OnUnderlayPacket(sealedCopy.AsSpan(0, n), PacketSource.FromUdp(new UdpEndpoint(Ip("192.0.2.51"), 1)), new DataBuffers());
            Assert.Equal(moved, Assert.IsType<UdpPath>(aAtB.Path).Endpoint);
        }
    }

    [Fact]
    public void Sessions_rekey_on_time_and_on_volume_without_losing_traffic()
    {
        var mesh = new SimulatedMesh();
        using (mesh)
        {
            SimNode c = mesh.Add("coord", NodeType.Coordinator, "100.64.0.1/16", Ip("10.0.0.1"));
            SimNode a = mesh.Add("a", NodeType.Node, "100.64.0.10/16", Ip("10.0.0.10"), [c], tune: o => { o.RekeyAfterMs = 5000; o.RekeyAfterPackets = 50; });
            SimNode b = mesh.Add("b", NodeType.Node, "100.64.0.11/16", Ip("10.0.0.11"), [c]);
            mesh.RunUntil(() => c.Engine.Coordinator!.Count == 2);
            a.SendIp(TestPackets.Icmp(a.MeshAddress, b.MeshAddress));
            mesh.RunUntil(() => b.Delivered.Count == 1);
            var first = PeerOf(a, b)!.Current;
            for (int i = 0; i < 60; i++)
            {
                a.SendIp(TestPackets.Icmp(a.MeshAddress, b.MeshAddress, id: (ushort)i));
                mesh.Run(10);
            }

            mesh.RunUntil(() => b.Delivered.Count == 61);
            var second = PeerOf(a, b)!.Current;
            Assert.NotSame(first, second);
            for (int i = 0; i < 8; i++)
            {
                a.SendIp(TestPackets.Icmp(a.MeshAddress, b.MeshAddress, id: 1000));
                mesh.Run(1000);
            }

            Assert.NotSame(second, PeerOf(a, b)!.Current);
            Assert.Equal(69, b.Delivered.Count);
        }
    }

    [Fact]
    public void Many_answered_initiations_never_evict_the_session_a_peer_sends_on()
    {
        // a keeps re-initiating (its rekey answers are lost on the way back), b answers every one: b's oldest session is
        // the one in use, and must stay usable.
        var mesh = new SimulatedMesh();
        using (mesh)
        {
            SimNode c = mesh.Add("coord", NodeType.Coordinator, "100.64.0.1/16", Ip("10.0.0.1"));
            SimNode a = mesh.Add("a", NodeType.Node, "100.64.0.10/16", Ip("10.0.0.10"), [c], tune: o => o.RekeyAfterMs = 5000);
            SimNode b = mesh.Add("b", NodeType.Node, "100.64.0.11/16", Ip("10.0.0.11"), [c]);
            mesh.RunUntil(() => c.Engine.Coordinator!.Count == 2);
            a.SendIp(TestPackets.Icmp(a.MeshAddress, b.MeshAddress));
            mesh.RunUntil(() => b.Delivered.Count == 1);
            b.SendIp(TestPackets.Icmp(b.MeshAddress, a.MeshAddress, type: 0));
            mesh.RunUntil(() => a.Delivered.Count == 1);
            var inUse = PeerOf(b, a)!.Current;

            long answered = b.Metrics.HandshakeCount;
            mesh.BlockOneWay(b, a);
            mesh.RunUntil(() => b.Metrics.HandshakeCount >= answered + 4, 20_000);
            mesh.Unblock();
            Assert.Same(inUse, PeerOf(b, a)!.Current);
            Assert.Contains(inUse!, PeerOf(b, a)!.Sessions);
            b.SendIp(TestPackets.Icmp(b.MeshAddress, a.MeshAddress, type: 0, id: 2));
            mesh.RunUntil(() => a.Delivered.Count == 2, 100);
        }
    }

    [Fact]
    public void A_restarted_peer_is_found_again_and_traffic_resumes()
    {
        (SimulatedMesh mesh, SimNode c, SimNode a, SimNode b) = ThreeNodes();
        using (mesh)
        {
            mesh.RunUntil(() => c.Engine.Coordinator!.Count == 2);
            a.SendIp(TestPackets.Icmp(a.MeshAddress, b.MeshAddress));
            mesh.RunUntil(() => b.Delivered.Count == 1);
            b.Running = false;
            SimNode b2 = mesh.Add("b", NodeType.Node, "100.64.0.11/16", Ip("10.0.0.11"), [c]);
            mesh.Nodes.Remove(b);
            mesh.RunUntil(() => PeerOf(b2, c)?.Current is not null);
            // a still sends on the session b lost: b2 says so, and a handshakes again at once — a few round trips, not
            // the liveness check's 6 s.
            long start = mesh.Clock.ExactMs;
            for (int i = 0; i < 100 && b2.Delivered.Count == 0; i++)
            {
                a.SendIp(TestPackets.Icmp(a.MeshAddress, b2.MeshAddress, id: (ushort)i));
                mesh.Run(20);
            }

            Assert.NotEmpty(b2.Delivered);
            Assert.True(mesh.Clock.ExactMs - start <= 100, $"traffic resumed after {mesh.Clock.ExactMs - start} ms");
            b.Engine.Dispose();
            b.Metrics.Dispose();
        }
    }

    [Fact]
    public void Losing_a_coordinator_does_not_break_running_tunnels_and_a_second_one_serves_new_ones()
    {
        var mesh = new SimulatedMesh();
        using (mesh)
        {
            SimNode c1 = mesh.Add("coord1", NodeType.Coordinator, "100.64.0.1/16", Ip("10.0.0.1"));
            SimNode c2 = mesh.Add("coord2", NodeType.Coordinator, "100.64.0.2/16", Ip("10.0.0.2"));
            SimNode a = mesh.Add("a", NodeType.Node, "100.64.0.10/16", Ip("10.0.0.10"), [c1, c2]);
            SimNode b = mesh.Add("b", NodeType.Node, "100.64.0.11/16", Ip("10.0.0.11"), [c1, c2]);
            SimNode d = mesh.Add("d", NodeType.Node, "100.64.0.12/16", Ip("10.0.0.12"), [c1, c2]);
            mesh.RunUntil(() => c1.Engine.Coordinator!.Count == 3 && c2.Engine.Coordinator!.Count == 3);
            a.SendIp(TestPackets.Icmp(a.MeshAddress, b.MeshAddress));
            mesh.RunUntil(() => b.Delivered.Count == 1);
            c1.Running = false;
            mesh.Run(10_000);
            a.SendIp(TestPackets.Icmp(a.MeshAddress, b.MeshAddress));
            a.SendIp(TestPackets.Icmp(a.MeshAddress, d.MeshAddress));
            mesh.RunUntil(() => b.Delivered.Count == 2 && d.Delivered.Count == 1, 5000);
        }
    }

    [Fact]
    public void A_certificate_from_another_authority_is_refused_but_two_trusted_authorities_work_during_rotation()
    {
        var mesh = new SimulatedMesh();
        using (mesh)
        {
            var newCa = CertificateAuthority.Create("ca-2027", TimeSpan.FromDays(365), mesh.Clock.UtcNow);
            var both = new TrustStore([mesh.Ca.Certificate, newCa.Certificate], []);
            SimNode c = mesh.Add("coord", NodeType.Coordinator, "100.64.0.1/16", Ip("10.0.0.1"), trust: both);
            SimNode oldCert = mesh.Add("a", NodeType.Node, "100.64.0.10/16", Ip("10.0.0.10"), [c], trust: both);
            SimNode newCert = mesh.Add("b", NodeType.Node, "100.64.0.11/16", Ip("10.0.0.11"), [c], ca: newCa, trust: both);
            SimNode onlyOld = mesh.Add("e", NodeType.Node, "100.64.0.12/16", Ip("10.0.0.12"), [c]);
            mesh.RunUntil(() => c.Engine.Coordinator!.Count == 3);
            oldCert.SendIp(TestPackets.Icmp(oldCert.MeshAddress, newCert.MeshAddress));
            mesh.RunUntil(() => newCert.Delivered.Count == 1);
            onlyOld.SendIp(TestPackets.Icmp(onlyOld.MeshAddress, newCert.MeshAddress));
            mesh.Run(3000);
            Assert.Single(newCert.Delivered);
            Assert.True(AuthFailures(onlyOld, newCert) > 0);
        }
    }

    [Fact]
    public void A_node_without_an_address_gets_a_lease_from_the_coordinator_and_is_reachable_at_it()
    {
        var mesh = new SimulatedMesh();
        using (mesh)
        {
            SimNode c = mesh.Add("coord", NodeType.Coordinator, "100.64.0.1/16", Ip("10.0.0.1"));
            SimNode a = mesh.Add("a", NodeType.Node, "100.64.0.10/16", Ip("10.0.0.10"), [c]);
            SimNode leased = mesh.Add("l", NodeType.Node, null, Ip("10.0.0.30"), [c]);
            mesh.RunUntil(() => leased.MeshAddress != 0);
            Assert.True(mesh.Network.Contains(leased.MeshAddress));
            a.SendIp(TestPackets.Icmp(a.MeshAddress, leased.MeshAddress));
            mesh.RunUntil(() => leased.Delivered.Count == 1, 5000);
        }
    }

    private static long AuthFailures(SimNode a, SimNode b) =>
        a.Metrics.AuthFailureCount + b.Metrics.AuthFailureCount;
}
