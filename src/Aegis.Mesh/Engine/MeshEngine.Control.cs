using Aegis.Core.Crypto;
using Aegis.Core.Encoding;
using Aegis.Mesh.Coordinator;
using Aegis.Mesh.Packets;
using Aegis.Mesh.Pki;
using Aegis.Mesh.Session;

namespace Aegis.Mesh.Engine;

public sealed partial class MeshEngine
{
    /// <summary>Seals a control message for <paramref name="peer"/> and sends it on <paramref name="path"/> (default: its current path).</summary>
    private void SendControl(Peer peer, ControlMessage message, PeerPath? path = null)
    {
        if (peer.Current is not { } session || (path ?? peer.Path) is not { } via)
        {
            return;
        }

        byte[] plain = message.Encode();
        int length = session.Seal(plain, _controlBuffers.Seal);
        if (length > 0 && SendOnPath(peer, via, _controlBuffers.Seal.AsSpan(0, length), _controlBuffers))
        {
            peer.AddSent(length, _clock.NowMs);
        }

        _udp.Flush();
    }

    private void OnTunnelUp(Peer peer)
    {
        if (peer.IsCoordinator && ReferenceEquals(peer.Dial, _coordinatorTargets.FirstOrDefault(t => ReferenceEquals(t.Peer, peer))))
        {
            Register(peer);
            if (_options.UseExit.Length > 0 && _exitPeer is null)
            {
                SendControl(peer, new ControlMessage.QueryName(_options.UseExit));
            }
        }
    }

    private void Register(Peer coordinator)
    {
        SendControl(coordinator, new ControlMessage.Register(Name, _options.NodeType, _options.UdpPort, _options.TcpPort, _options.LocalEndpoints));
    }

    private void HandleControl(Peer peer, byte[] payload, PacketSource source)
    {
        ControlMessage message;
        try
        {
            message = ControlMessage.Decode(payload);
        }
        catch (CodecException ex)
        {
            _metrics.Drop(Hosting.DropReasons.Malformed);
            MeshLogMessages.BadControl(_log, peer.Name, ex.Message);
            return;
        }

        switch (message)
        {
            case ControlMessage.Pong pong:
                OnPong(peer, pong, source);
                break;
            case ControlMessage.Register register when Coordinator is { } directory:
                OnRegister(directory, peer, register, source);
                break;
            case ControlMessage.Query query when Coordinator is { } directory:
                OnQuery(directory, peer, directory.Find(query.MeshAddress), query.MeshAddress, "");
                break;
            case ControlMessage.QueryName query when Coordinator is { } directory:
                OnQuery(directory, peer, directory.FindByName(query.Name), 0, query.Name);
                break;
            case ControlMessage.RegisterAck ack when peer.IsCoordinator:
                OnRegisterAck(ack);
                break;
            case ControlMessage.QueryReply reply when peer.IsCoordinator:
                OnQueryReply(reply);
                break;
            case ControlMessage.PunchNotify punch when peer.IsCoordinator:
                OnPunchNotify(punch.Entry);
                break;
            case ControlMessage.Revocations revocations when peer.IsCoordinator:
                ApplyRevocations(revocations.Fingerprints);
                break;
            default:
                _metrics.Drop(Hosting.DropReasons.Malformed);
                break;
        }
    }

    private void OnPong(Peer peer, ControlMessage.Pong pong, PacketSource source)
    {
        long now = _clock.NowMs;
        double rtt = Math.Max(0, now - pong.SentMs);
        PeerPath? current = peer.Path;
        bool upgrade = (source.IsUdp && current is not UdpPath) || (source.Link is not null && current is RelayPath);
        if (upgrade)
        {
            PeerPath better = source.ToPath();
            peer.Path = better;
            MeshLogMessages.PathSwitched(_log, peer.Name, current?.Transport ?? "none", better.Transport, better.Describe());
        }

        // A probe's answer by another path says nothing about the current one's liveness.
        if (source.Matches(peer.Path))
        {
            peer.UnansweredPings = 0;
            peer.MarkPathHeard(now);
            peer.LatencyMs = rtt;
            _metrics.PeerLatency.Record(rtt / 1000.0);
        }
    }

    private void OnRegisterAck(ControlMessage.RegisterAck ack)
    {
        if (ack.LeaseAddress != 0 && _identity.Certificate.Address is null && Address != ack.LeaseAddress)
        {
            Volatile.Write(ref _address, ack.LeaseAddress);
            MeshLogMessages.Leased(_log, IPv4Network.Format(ack.LeaseAddress), ack.LeasePrefix);
            LeaseAssigned?.Invoke(new IPv4Network(ack.LeaseAddress, ack.LeasePrefix));
        }

        foreach (PeerEntry relay in ack.Relays)
        {
            if (relay.MeshAddress == Address)
            {
                continue;
            }

            Peer peer = Learn(relay);
            // Keep a tunnel to every relay, so others can reach us through it when nothing direct works.
            if (peer.Current is null)
            {
                EnsureDial(peer.Dial);
            }
        }
    }

    private void OnQueryReply(ControlMessage.QueryReply reply)
    {
        if (reply.Entry is not { } entry || entry.MeshAddress == Address)
        {
            return;
        }

        Peer peer = Learn(entry);
        if (reply.Name.Length > 0 && reply.Name == _options.UseExit && entry.NodeType == NodeType.Exit)
        {
            _exitPeer = peer;
            MeshLogMessages.ExitChosen(_log, peer.Name, IPv4Network.Format(peer.MeshAddress));
            EnsureDial(peer.Dial);
        }

        if (peer.Dial.Active)
        {
            Attempt(peer.Dial);
        }
    }

    private void OnPunchNotify(PeerEntry entry)
    {
        if (entry.MeshAddress == Address)
        {
            return;
        }

        Peer peer = Learn(entry);
        // Send toward each of its endpoints: our NAT then lets its initiations in.
        ReadOnlySpan<byte> punch = [(byte)PacketType.Punch, 0, 0, 0];
        foreach (UdpEndpoint e in peer.Dial.UdpCandidates)
        {
            _udp.Send(e, punch);
        }

        _udp.Flush();
    }

    /// <summary>Applies a coordinator's entry to the peer it describes (created if new); the lease it vouches for is remembered.</summary>
    private Peer Learn(PeerEntry entry)
    {
        Peer peer = GetOrCreatePeer(entry.MeshAddress, entry.Name);
        if (peer.Certificate is null)
        {
            peer.Name = entry.Name;
            peer.NodeType = entry.NodeType;
        }

        _vouched[entry.Fingerprint] = entry.MeshAddress;
        foreach (UdpEndpoint e in entry.UdpEndpoints)
        {
            peer.Dial.AddUdpCandidate(e);
        }

        if (!entry.TcpEndpoint.IsEmpty)
        {
            peer.Dial.TcpEndpoint = entry.TcpEndpoint;
        }

        return peer;
    }

    /// <summary>Certificates revoked from now on: refused in handshakes, and their tunnels closed at once.</summary>
    public void ApplyRevocations(IEnumerable<Hash32> fingerprints)
    {
        var fresh = fingerprints.Where(f => !_identity.Trust.Revoked.Contains(f)).ToList();
        if (fresh.Count == 0)
        {
            return;
        }

        _identity = _identity with { Trust = _identity.Trust.WithRevoked(fresh) };
        MeshLogMessages.Revoked(_log, fresh.Count);
        DropRevokedPeers();
        if (Coordinator is not null)
        {
            // Tell every node; lists longer than one message go in several.
            foreach (Hash32[] chunk in fresh.Chunk(ControlMessage.RevocationsPerMessage))
            {
                foreach (Peer peer in _peers.Values)
                {
                    SendControl(peer, new ControlMessage.Revocations(chunk));
                }
            }
        }
    }

    private void DropRevokedPeers()
    {
        foreach (Peer peer in _peers.Values)
        {
            if (peer.Certificate is { } cert && _identity.Trust.Revoked.Contains(cert.Fingerprint))
            {
                MeshLogMessages.PeerRevoked(_log, peer.Name);
                Coordinator?.Remove(peer.MeshAddress);
                RemovePeer(peer);
            }
        }
    }

    private void OnRegister(CoordinatorDirectory directory, Peer peer, ControlMessage.Register register, PacketSource source)
    {
        if (peer.Certificate is not { } cert)
        {
            return;
        }

        // What the coordinator sees is what others must dial: the source address of this very packet (the NAT's side).
        uint observedHost = source.Link?.Remote.Address ?? (source.IsUdp ? source.Udp.Address : 0);
        var udp = new List<UdpEndpoint>();
        if (source.IsUdp)
        {
            udp.Add(source.Udp);
        }
        else if (peer.Path is UdpPath known)
        {
            udp.Add(known.Endpoint);
        }

        if (observedHost != 0 && register.UdpPort != 0)
        {
            udp.Add(new UdpEndpoint(observedHost, register.UdpPort));
        }

        udp.AddRange(register.LocalEndpoints);
        UdpEndpoint tcp = observedHost != 0 && register.TcpPort != 0 ? new UdpEndpoint(observedHost, register.TcpPort) : default;
        var entry = new PeerEntry(cert.Name, peer.MeshAddress, cert.Fingerprint, register.NodeType, udp.Distinct().Take(PeerEntry.MaxEndpoints).ToList(), tcp);
        directory.Upsert(entry, cert, _clock.UtcNow);
        byte prefix = _options.Network.PrefixLength;
        uint lease = cert.Address is null ? peer.MeshAddress : 0;
        SendControl(peer, new ControlMessage.RegisterAck(lease, prefix, directory.Relays(exclude: peer.MeshAddress).Take(8).ToList()));
        foreach (Hash32[] chunk in _identity.Trust.Revoked.Chunk(ControlMessage.RevocationsPerMessage))
        {
            SendControl(peer, new ControlMessage.Revocations(chunk));
        }
    }

    private void OnQuery(CoordinatorDirectory directory, Peer asker, PeerEntry? found, uint address, string name)
    {
        SendControl(asker, new ControlMessage.QueryReply(found?.MeshAddress ?? address, name, found));
        if (found is not null && directory.Find(asker.MeshAddress) is { } askerEntry && _peers.TryGetValue(found.MeshAddress, out Peer? target))
        {
            // Hole punching: the target sends toward the asker now, so the asker's initiations get through its NAT.
            SendControl(target, new ControlMessage.PunchNotify(askerEntry));
        }
    }
}
