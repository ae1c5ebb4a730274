using System.Buffers.Binary;
using System.Security.Cryptography;
using Aegis.Core.Crypto;
using Aegis.Core.Encoding;
using Aegis.Mesh.Firewall;
using Aegis.Mesh.Noise;
using Aegis.Mesh.Packets;
using Aegis.Mesh.Pki;
using Aegis.Mesh.Session;

namespace Aegis.Mesh.Engine;

public sealed partial class MeshEngine
{
    private HandshakePayload OurPayload()
    {
        MeshCertificate cert = _identity.Certificate;
        uint leased = cert.Address is null ? Address : 0;
        // Strictly increasing even if the clock stands still or two initiations fall in one millisecond.
        long stamp = Math.Max(_clock.UtcNow.ToUnixTimeMilliseconds(), _lastStamp + 1);
        _lastStamp = stamp;
        return new HandshakePayload(cert, _options.NodeType, _options.UdpPort, _options.TcpPort, leased, stamp);
    }

    private long _lastStamp;

    private long _sessionGeneration;

    /// <summary>A new initiation for <paramref name="target"/>: [type][000][our index][IX message 1].</summary>
    private byte[] NewInitiation(DialTarget target)
    {
        var handshake = new HandshakeState(_protocol, initiator: true, _prologue, _identity.Key);
        uint index = NewIndex();
        byte[] message = handshake.WriteMessage(OurPayload().Encode());
        var packet = new byte[Wire.HandshakeInitHeaderSize + message.Length];
        packet[0] = (byte)PacketType.HandshakeInit;
        BinaryPrimitives.WriteUInt32LittleEndian(packet.AsSpan(4), index);
        message.CopyTo(packet, Wire.HandshakeInitHeaderSize);
        _pending[index] = new PendingHandshake(handshake, target, _clock.NowMs);
        target.PendingIndices.Add(index);
        // Only the newest few initiations can still be answered; older ones are forgotten.
        while (target.PendingIndices.Count > 4)
        {
            DropPending(target.PendingIndices[0]);
        }

        return packet;
    }

    private void DropPending(uint index)
    {
        if (_pending.Remove(index, out PendingHandshake? p))
        {
            p.Handshake.Dispose();
            p.Target.PendingIndices.Remove(index);
        }
    }

    private void HandleHandshake(byte[] packet, PacketSource source)
    {
        try
        {
            if ((PacketType)packet[0] == PacketType.HandshakeInit)
            {
                Respond(packet, source);
            }
            else
            {
                Complete(packet, source);
            }
        }
        catch (Exception ex) when (ex is CryptographicException or CodecException or FormatException)
        {
            AuthFailure(source, ex.Message);
        }
    }

    private void Respond(byte[] packet, PacketSource source)
    {
        if (packet.Length < Wire.HandshakeInitHeaderSize + 2 * X25519KeyPair.Size)
        {
            throw new CodecException($"handshake initiation of {packet.Length} bytes is too short");
        }

        Hash32 initHash = Hash32.Compute(packet);
        if (_recentInits.TryGet(initHash, out byte[] cached))
        {
            // The same initiation over a second path: answer on this path too (see RecentInits).
            if (source.Link is { } l)
            {
                l.Send(cached);
            }
            else if (source.Relay is { } r)
            {
                SendOnPath(r, new RelayPath(r), cached, _controlBuffers);
            }
            else
            {
                _udp.Send(source.Udp, cached);
                _udp.Flush();
            }

            return;
        }

        long now = _clock.NowMs;
        if (now - _handshakeWindowStartMs >= 1000)
        {
            (_handshakeWindowStartMs, _handshakesInWindow) = (now, 0);
        }

        if (++_handshakesInWindow > _options.MaxHandshakesPerSecond)
        {
            _metrics.Drop(Hosting.DropReasons.RateLimited);
            return;
        }

        uint senderIndex = BinaryPrimitives.ReadUInt32LittleEndian(packet.AsSpan(4));
        using var handshake = new HandshakeState(_protocol, initiator: false, _prologue, _identity.Key);
        HandshakePayload theirs = HandshakePayload.Decode(handshake.ReadMessage(packet.AsSpan(Wire.HandshakeInitHeaderSize)));
        uint address = Validate(theirs, handshake.RemoteStatic!);
        Peer peer = GetOrCreatePeer(address, theirs.Certificate.Name);
        if (theirs.TimestampMs <= peer.LastInitTimestampMs)
        {
            throw new CryptographicException($"'{theirs.Certificate.Name}': replayed handshake initiation");
        }

        peer.LastInitTimestampMs = theirs.TimestampMs;
        uint index = NewIndex();
        byte[] message = handshake.WriteMessage(OurPayload().Encode());
        var response = new byte[Wire.HandshakeResponseHeaderSize + message.Length];
        response[0] = (byte)PacketType.HandshakeResponse;
        BinaryPrimitives.WriteUInt32LittleEndian(response.AsSpan(4), index);
        BinaryPrimitives.WriteUInt32LittleEndian(response.AsSpan(8), senderIndex);
        message.CopyTo(response, Wire.HandshakeResponseHeaderSize);
        (byte[] i2r, byte[] r2i) = handshake.Split();
        var session = new TransportSession(index, senderIndex, initiator: false, _options.Cipher, sendKey: r2i, receiveKey: i2r, now) { Generation = ++_sessionGeneration };
        CryptographicOperations.ZeroMemory(i2r);
        CryptographicOperations.ZeroMemory(r2i);
        PeerPath path = source.ToPath();
        Install(peer, session, path, theirs, confirmed: false);
        _recentInits.Add(initHash, response);
        SendOnPath(peer, path, response, _controlBuffers);
        _udp.Flush();
        FlushQueue(peer);
    }

    private void Complete(byte[] packet, PacketSource source)
    {
        if (packet.Length < Wire.HandshakeResponseHeaderSize + X25519KeyPair.Size)
        {
            throw new CodecException($"handshake response of {packet.Length} bytes is too short");
        }

        uint senderIndex = BinaryPrimitives.ReadUInt32LittleEndian(packet.AsSpan(4));
        uint receiverIndex = BinaryPrimitives.ReadUInt32LittleEndian(packet.AsSpan(8));
        if (!_pending.Remove(receiverIndex, out PendingHandshake? pending))
        {
            // A late or duplicate answer to an initiation we no longer wait for.
            return;
        }

        DialTarget target = pending.Target;
        target.PendingIndices.Remove(receiverIndex);
        using HandshakeState handshake = pending.Handshake;
        HandshakePayload theirs = HandshakePayload.Decode(handshake.ReadMessage(packet.AsSpan(Wire.HandshakeResponseHeaderSize)));
        uint address = Validate(theirs, handshake.RemoteStatic!);
        if (target.Peer is { } expected && expected.MeshAddress != address)
        {
            throw new CryptographicException($"answered by '{theirs.Certificate.Name}' ({IPv4Network.Format(address)}), not the node at {IPv4Network.Format(expected.MeshAddress)}");
        }

        Peer peer = target.Peer ?? GetOrCreatePeer(address, theirs.Certificate.Name);
        if (target.Peer is null)
        {
            // A configured coordinator: from now on its peer is dialled through the configured target.
            target.Peer = peer;
            peer.Dial = target;
        }

        (byte[] i2r, byte[] r2i) = handshake.Split();
        var session = new TransportSession(receiverIndex, senderIndex, initiator: true, _options.Cipher, sendKey: i2r, receiveKey: r2i, _clock.NowMs) { Generation = ++_sessionGeneration };
        CryptographicOperations.ZeroMemory(i2r);
        CryptographicOperations.ZeroMemory(r2i);
        Install(peer, session, source.ToPath(), theirs, confirmed: true);
        target.Active = false;
        target.TcpDialing = false;
        foreach (uint stale in target.PendingIndices.ToArray())
        {
            DropPending(stale);
        }

        FlushQueue(peer);
        OnTunnelUp(peer);
    }

    /// <summary>The peer's mesh address when its payload may join, else throws naming why not.</summary>
    private uint Validate(HandshakePayload theirs, byte[] remoteStatic)
    {
        MeshCertificate cert = theirs.Certificate;
        if (_identity.Trust.Check(cert, _clock.UtcNow) is { } problem)
        {
            throw new CryptographicException(problem);
        }

        if (!CryptographicOperations.FixedTimeEquals(cert.PublicKey, remoteStatic))
        {
            throw new CryptographicException($"'{cert.Name}': the certificate's key is not the key that did the handshake");
        }

        uint address = cert.Address?.Address ?? LeasedAddressOf(cert, theirs.LeasedAddress);
        if (!_options.Network.Contains(address) || address == _options.Network.NetworkAddress || address == _options.Network.BroadcastAddress)
        {
            throw new CryptographicException($"'{cert.Name}': address {IPv4Network.Format(address)} is outside the mesh {_options.Network}");
        }

        if (address == Address)
        {
            throw new CryptographicException($"'{cert.Name}' claims this node's own address {IPv4Network.Format(address)}");
        }

        if (!_peers.ContainsKey(address) && _peers.Count >= _options.MaxPeers + _coordinatorTargets.Count)
        {
            throw new CryptographicException($"'{cert.Name}': performance.max_peers ({_options.MaxPeers}) reached");
        }

        return address;
    }

    /// <summary>
    /// A node whose certificate carries no address uses one a coordinator leased it. A coordinator knows its own leases;
    /// other nodes accept a lease a coordinator vouched for (in a query answer); otherwise they ask and refuse this once.
    /// </summary>
    private uint LeasedAddressOf(MeshCertificate cert, uint claimed)
    {
        if (Coordinator is { } directory)
        {
            return directory.LeaseFor(cert, _options.Network, _clock.UtcNow);
        }

        if (claimed != 0 && _vouched.TryGetValue(cert.Fingerprint, out uint vouched) && vouched == claimed)
        {
            return claimed;
        }

        if (claimed != 0)
        {
            QueryCoordinators(new ControlMessage.Query(claimed));
        }

        throw new CryptographicException($"'{cert.Name}': leased address {IPv4Network.Format(claimed)} is not (yet) vouched for by a coordinator");
    }

    /// <param name="confirmed">
    /// true for the initiator (the response proves the peer has the keys). A responder's session only becomes current if
    /// the peer has no working one; otherwise the peer's first data packet on it promotes it (see ReceiveData). Without
    /// that, a retransmitted initiation answered after the first one completed would leave the responder sending on a
    /// session the initiator already forgot — seen in the namespace tests on a JIT-cold start.
    /// </param>
    private void Install(Peer peer, TransportSession session, PeerPath path, HandshakePayload theirs, bool confirmed)
    {
        long now = _clock.NowMs;
        MeshCertificate cert = theirs.Certificate;
        peer.Certificate = cert;
        peer.Name = cert.Name;
        peer.Identity = MeshIdentity.Of(cert);
        peer.NodeType = theirs.NodeType;
        peer.UdpPort = theirs.UdpPort;
        peer.TcpPort = theirs.TcpPort;
        peer.Sessions.Add(session);
        _sessions = new Dictionary<uint, SessionSlot>(_sessions) { [session.LocalIndex] = new SessionSlot(session, peer) };
        if (confirmed || peer.Current is null || peer.Path is null || now - peer.Current.CreatedMs > _options.RejectAfterMs)
        {
            peer.Current = session;
            peer.Path = path;
            // A path just proven by the handshake starts with a clean liveness record. A responder that keeps its
            // current path (the initiation came some other way) learns nothing about that path here.
            peer.MarkPathHeard(now);
            peer.UnansweredPings = 0;
            peer.LastPingMs = now;
        }

        // Current, the one it replaced (still receiving during the rekey), and one crossed handshake: no more. The oldest
        // that is not current goes: several answered initiations in a row (a retrying peer on a loaded machine) once
        // evicted the current session itself, and every send on it then failed.
        while (peer.Sessions.Count > 3)
        {
            TransportSession oldest = peer.Sessions.First(s => !ReferenceEquals(s, peer.Current));
            peer.Sessions.Remove(oldest);
            RemoveSession(oldest);
        }

        peer.LastHandshakeMs = now;
        peer.LastHandshakeAt = _clock.UtcNow;
        peer.MarkReceived(now);
        LearnEndpoints(peer, path);
        if (Coordinator is { } directory && cert.Address is { } certified)
        {
            directory.Reserve(certified.Address);
        }

        _metrics.Handshake();
        MeshLogMessages.TunnelUp(_log, peer.Name, IPv4Network.Format(peer.MeshAddress), path.Transport, path.Describe());
    }

    /// <summary>What a working path tells us about other ways to reach the peer (its UDP and TLS ports on the same host).</summary>
    private static void LearnEndpoints(Peer peer, PeerPath path)
    {
        uint host = path switch
        {
            UdpPath u => u.Endpoint.Address,
            LinkPath l => l.Link.Remote.Address,
            _ => 0,
        };
        if (path is UdpPath udp)
        {
            peer.Dial.AddUdpCandidate(udp.Endpoint);
        }

        if (host == 0)
        {
            return;
        }

        if (peer.UdpPort != 0 && path is LinkPath)
        {
            peer.Dial.AddUdpCandidate(new UdpEndpoint(host, peer.UdpPort));
        }

        if (peer.TcpPort != 0 && peer.Dial.TcpEndpoint is null)
        {
            peer.Dial.TcpEndpoint = new UdpEndpoint(host, peer.TcpPort);
        }
    }

    private void FlushQueue(Peer peer)
    {
        long now = _clock.NowMs;
        // Bounded: a packet SendData cannot send goes back into the queue, so at most what was queued is tried.
        for (int n = peer.QueuedPackets; n > 0 && peer.Current is not null && peer.TryDequeue(out byte[] packet); n--)
        {
            SendData(peer, packet, _controlBuffers, now);
        }

        _udp.Flush();
    }

    private void AuthFailure(PacketSource source, string reason)
    {
        _metrics.AuthFailure();
        MeshLogMessages.HandshakeRefused(_log, source.ToString(), reason);
    }
}
