using System.Buffers.Binary;
using Aegis.Mesh.Firewall;
using Aegis.Mesh.Hosting;
using Aegis.Mesh.Packets;
using Aegis.Mesh.Session;

namespace Aegis.Mesh.Engine;

public sealed partial class MeshEngine
{
    /// <summary>
    /// An IPv4 packet read from the TUN device: routed to the peer owning its destination (or to the exit node), checked
    /// by the outbound firewall, sealed and sent on the peer's current path. No allocation unless the tunnel is not up.
    /// </summary>
    public void OnTunPacket(ReadOnlySpan<byte> packet, DataBuffers buffers)
    {
        if (!IPv4Packet.TryParse(packet, out IPv4Packet ip))
        {
            // IPv6 (router solicitations when the device comes up) and junk: the mesh carries IPv4.
            _metrics.Drop(DropReasons.NotIPv4);
            return;
        }

        uint destination = ip.Destination;
        Peer? peer;
        if (_options.Network.Contains(destination))
        {
            if (!_peers.TryGetValue(destination, out peer))
            {
                if (destination != _options.Network.NetworkAddress && destination != _options.Network.BroadcastAddress && destination != Address)
                {
                    byte[] copy = packet.ToArray();
                    _post(() => NeedPeer(destination, copy));
                }

                return;
            }
        }
        else if ((peer = _exitPeer) is null)
        {
            _metrics.Drop(DropReasons.NoRoute);
            return;
        }

        long now = _clock.NowMs;
        if (!_filter.AllowOutbound(ip, peer.Identity, now))
        {
            _metrics.Drop(DropReasons.Firewall);
            return;
        }

        SendData(peer, packet, buffers, now);
    }

    /// <summary>Seals <paramref name="plaintext"/> for <paramref name="peer"/> and sends it; queues it and dials when no tunnel is up.</summary>
    private void SendData(Peer peer, ReadOnlySpan<byte> plaintext, DataBuffers buffers, long now)
    {
        TransportSession? session = peer.Current;
        PeerPath? path = peer.Path;
        if (session is null || path is null)
        {
            if (!peer.Enqueue(plaintext))
            {
                _metrics.Drop(DropReasons.QueueFull);
            }

            _post(() => EnsureDial(peer.Dial));
            return;
        }

        int length = session.Seal(plaintext, buffers.Seal);
        if (length < 0)
        {
            peer.Enqueue(plaintext);
            _post(() => EnsureDial(peer.Dial));
            return;
        }

        if (SendOnPath(peer, path, buffers.Seal.AsSpan(0, length), buffers))
        {
            peer.AddSent(length, now);
        }

        if (session.SentPackets == _options.RekeyAfterPackets)
        {
            _post(() => Rekey(peer, "volume"));
        }
    }

    /// <summary>Sends an underlay packet (already sealed for <paramref name="peer"/>) on <paramref name="path"/>.</summary>
    private bool SendOnPath(Peer peer, PeerPath path, ReadOnlySpan<byte> packet, DataBuffers buffers)
    {
        switch (path)
        {
            case UdpPath udp:
                _udp.Send(udp.Endpoint, packet);
                return true;
            case LinkPath link:
                return link.Link.Send(packet);
            case RelayPath relay:
                Peer via = relay.Relay;
                TransportSession? relaySession = via.Current;
                // A relay reached through another relay would loop; the relay's own path must be direct.
                if (relaySession is null || via.Path is not { } viaPath || viaPath is RelayPath || packet.Length + Wire.RelayHeaderSize + Wire.DataOverhead > buffers.RelaySeal.Length)
                {
                    _metrics.Drop(DropReasons.NoRoute);
                    return false;
                }

                Span<byte> wrapped = buffers.Relay.AsSpan(0, packet.Length + Wire.RelayHeaderSize);
                wrapped[0] = (byte)PayloadKind.RelayForward;
                BinaryPrimitives.WriteUInt32BigEndian(wrapped[1..], peer.MeshAddress);
                packet.CopyTo(wrapped[Wire.RelayHeaderSize..]);
                int length = relaySession.Seal(wrapped, buffers.RelaySeal);
                if (length < 0)
                {
                    return false;
                }

                return SendOnPath(via, viaPath, buffers.RelaySeal.AsSpan(0, length), buffers);
            default:
                return false;
        }
    }

    /// <summary>A packet from the underlay (a UDP datagram, a TLS frame, or the inner packet of a relayed delivery).</summary>
    public void OnUnderlayPacket(ReadOnlySpan<byte> packet, PacketSource source, DataBuffers buffers)
    {
        if (packet.Length < 4)
        {
            _metrics.Drop(DropReasons.Malformed);
            return;
        }

        switch ((PacketType)packet[0])
        {
            case PacketType.Data:
                ReceiveData(packet, source, buffers, source.Relay is null ? buffers.Open : buffers.InnerOpen);
                break;
            case PacketType.HandshakeInit or PacketType.HandshakeResponse:
                byte[] copy = packet.ToArray();
                _post(() => HandleHandshake(copy, source));
                break;
            case PacketType.Punch:
                break;
            case PacketType.SessionUnknown when packet.Length == Wire.SessionUnknownSize:
                uint lost = BinaryPrimitives.ReadUInt32LittleEndian(packet[4..]);
                _post(() => OnSessionUnknown(lost, source));
                break;
            default:
                _metrics.Drop(DropReasons.Malformed);
                break;
        }
    }

    private void ReceiveData(ReadOnlySpan<byte> packet, PacketSource source, DataBuffers buffers, byte[] plainBuffer)
    {
        if (packet.Length < Wire.DataOverhead)
        {
            _metrics.Drop(DropReasons.Malformed);
            return;
        }

        uint index = BinaryPrimitives.ReadUInt32LittleEndian(packet[4..]);
        if (!_sessions.TryGetValue(index, out SessionSlot? slot))
        {
            _metrics.Drop(DropReasons.UnknownSession);
            TellSessionUnknown(index, source, buffers);
            return;
        }

        int length = slot.Session.Open(packet, plainBuffer);
        if (length < 0)
        {
            _metrics.Drop((OpenFailure)length switch
            {
                OpenFailure.Replay => DropReasons.Replay,
                OpenFailure.Forged => DropReasons.Forged,
                OpenFailure.Expired => DropReasons.Expired,
                _ => DropReasons.Malformed,
            });
            return;
        }

        Peer peer = slot.Peer;
        long now = _clock.NowMs;
        peer.AddReceived(packet.Length, now);
        if (!ReferenceEquals(peer.Current, slot.Session) && (peer.Current is not { } current0 || slot.Session.Generation > current0.Generation))
        {
            // The peer uses a newer session than ours: it completed that handshake, so it is confirmed; follow it.
            peer.Current = slot.Session;
            if (!source.Matches(peer.Path))
            {
                peer.Path = source.ToPath();
            }
        }

        // Roaming: an authenticated packet from a new UDP endpoint of a peer already on UDP moves the peer there.
        if (source.IsUdp && peer.Path is UdpPath current && current.Endpoint != source.Udp)
        {
            peer.Path = new UdpPath(source.Udp);
            _post(() => peer.Dial.AddUdpCandidate(source.Udp));
        }

        // Only what came by the path in use proves it works: with a↔b cut, b's packets relayed to a (or a probe's answer)
        // kept a's dead UDP path to b "heard", and the 6 s silence rule never fired while they came.
        if (source.Matches(peer.Path))
        {
            peer.MarkPathHeard(now);
        }

        if (length == 0)
        {
            return;
        }

        ReadOnlySpan<byte> plain = plainBuffer.AsSpan(0, length);
        byte kind = plain[0];
        if (kind >> 4 == 4)
        {
            DeliverToTun(peer, plain, now);
        }
        else if (kind == (byte)PayloadKind.RelayForward)
        {
            Forward(peer, plain, buffers);
        }
        else if (kind == (byte)PayloadKind.RelayDeliver)
        {
            // Only a relay delivers, and a delivery never nests: the inner packet is a peer's own.
            if (source.Relay is null && peer.NodeType == NodeType.Relay && length > Wire.RelayHeaderSize)
            {
                OnUnderlayPacket(plain[Wire.RelayHeaderSize..], PacketSource.FromRelay(peer), buffers);
            }
            else
            {
                _metrics.Drop(DropReasons.Malformed);
            }
        }
        else if (kind == (byte)PayloadKind.Ping)
        {
            AnswerPing(slot, plain, source, buffers);
        }
        else if (kind < (byte)PayloadKind.RelayForward)
        {
            byte[] message = plain.ToArray();
            _post(() => HandleControl(peer, message, source));
        }
        else
        {
            _metrics.Drop(DropReasons.Malformed);
        }
    }

    /// <summary>
    /// A data packet for a session we do not have (we restarted, or expired it): tell the sender, so it re-handshakes now
    /// instead of after its liveness check (6 s and three unanswered pings). At most
    /// <see cref="MaxSessionUnknownPerSecond"/> answers a second, and never larger than what came in: no amplification.
    /// </summary>
    private void TellSessionUnknown(uint index, PacketSource source, DataBuffers buffers)
    {
        long second = _clock.NowMs / 1000;
        if (Interlocked.Exchange(ref _sessionUnknownSecond, second) != second)
        {
            Interlocked.Exchange(ref _sessionUnknownCount, 0);
        }

        if (Interlocked.Increment(ref _sessionUnknownCount) > MaxSessionUnknownPerSecond || source.Relay is not null)
        {
            return;
        }

        Span<byte> answer = buffers.Relay.AsSpan(0, Wire.SessionUnknownSize);
        answer[..4].Clear();
        answer[0] = (byte)PacketType.SessionUnknown;
        BinaryPrimitives.WriteUInt32LittleEndian(answer[4..], index);
        if (source.Link is { } link)
        {
            link.Send(answer);
        }
        else
        {
            _udp.Send(source.Udp, answer);
        }
    }

    private const int MaxSessionUnknownPerSecond = 50;
    private long _sessionUnknownSecond;
    private int _sessionUnknownCount;

    /// <summary>
    /// Pings are answered here, on the thread that received them, not on the control loop: liveness then measures the
    /// path and this node's packet handling, not how busy its control loop is (a coordinator's burst of registrations or
    /// handshakes on a loaded machine stalled pongs for seconds, and peers re-dialled working paths). The answer goes on
    /// the path and in the session the ping came by: that is what a probe tests, and the session the peer surely has.
    /// </summary>
    private void AnswerPing(SessionSlot slot, ReadOnlySpan<byte> plain, PacketSource source, DataBuffers buffers)
    {
        ControlMessage.Ping ping;
        try
        {
            ping = ControlMessage.Decode(plain) as ControlMessage.Ping ?? throw new Aegis.Core.Encoding.CodecException("ping: not a ping");
        }
        catch (Aegis.Core.Encoding.CodecException)
        {
            _metrics.Drop(DropReasons.Malformed);
            return;
        }

        byte[] pong = new ControlMessage.Pong(ping.Id, ping.SentMs).Encode();
        int length = slot.Session.Seal(pong, buffers.Seal);
        if (length > 0 && SendOnPath(slot.Peer, source.ToPath(), buffers.Seal.AsSpan(0, length), buffers))
        {
            slot.Peer.AddSent(length, _clock.NowMs);
        }
    }

    private void DeliverToTun(Peer peer, ReadOnlySpan<byte> plain, long now)
    {
        if (_tun is null || !IPv4Packet.TryParse(plain, out IPv4Packet ip))
        {
            _metrics.Drop(_tun is null ? DropReasons.NoRoute : DropReasons.Malformed);
            return;
        }

        bool fromPeer = ip.Source == peer.MeshAddress;
        if (fromPeer && _options.ExitEnabled && !_options.Network.Contains(ip.Destination))
        {
            // Exit node: a client's internet-bound packet; the kernel routes and masquerades it (nftables).
            _filter.Track.Track(ip, ip.Source, outbound: false, now);
            _tun.Write(plain);
            return;
        }

        bool fromExit = !fromPeer && ReferenceEquals(peer, _exitPeer) && !_options.Network.Contains(ip.Source);
        if ((!fromPeer && !fromExit) || ip.Destination != Address)
        {
            // A peer may only send from its own certified address (an exit also from the internet, to us).
            _metrics.Drop(DropReasons.Spoofed);
            return;
        }

        if (!_filter.AllowInbound(ip, peer.Identity, now))
        {
            _metrics.Drop(DropReasons.Firewall);
            return;
        }

        _tun.Write(plain);
    }

    /// <summary>Relay: <paramref name="from"/> asks us to pass an (end-to-end encrypted) packet to another node.</summary>
    private void Forward(Peer from, ReadOnlySpan<byte> plain, DataBuffers buffers)
    {
        if (_options.NodeType != NodeType.Relay || plain.Length <= Wire.RelayHeaderSize)
        {
            _metrics.Drop(DropReasons.NoRoute);
            return;
        }

        uint target = BinaryPrimitives.ReadUInt32BigEndian(plain[1..]);
        if (!_peers.TryGetValue(target, out Peer? to) || ReferenceEquals(to, from) || to.Current is not { } session || to.Path is not { } path || path is RelayPath)
        {
            _metrics.Drop(DropReasons.NoRoute);
            return;
        }

        Span<byte> wrapped = buffers.Relay.AsSpan(0, plain.Length);
        plain.CopyTo(wrapped);
        wrapped[0] = (byte)PayloadKind.RelayDeliver;
        BinaryPrimitives.WriteUInt32BigEndian(wrapped[1..], from.MeshAddress);
        int length = session.Seal(wrapped, buffers.RelaySeal);
        if (length > 0 && SendOnPath(to, path, buffers.RelaySeal.AsSpan(0, length), buffers))
        {
            to.AddSent(length, _clock.NowMs);
            _metrics.Relayed.Add(1);
        }
    }
}
