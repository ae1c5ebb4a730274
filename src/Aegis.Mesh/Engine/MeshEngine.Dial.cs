using Aegis.Mesh.Pki;
using Aegis.Mesh.Session;

namespace Aegis.Mesh.Engine;

public sealed partial class MeshEngine
{
    /// <summary>A packet for a mesh address with no peer yet: make the peer, hold the packet, ask the coordinators where it is.</summary>
    private void NeedPeer(uint address, byte[] packet)
    {
        Peer peer = GetOrCreatePeer(address, IPv4Network.Format(address));
        peer.Enqueue(packet);
        if (peer.Current is not null && peer.Path is not null)
        {
            FlushQueue(peer);
            return;
        }

        EnsureDial(peer.Dial);
    }

    private void EnsureDial(DialTarget target)
    {
        if (target.Active || (target.Peer is { Current: not null, Path: not null } && target.Peer.QueuedPackets > 0 && FlushAndReport(target.Peer)))
        {
            return;
        }

        StartDial(target);
    }

    private bool FlushAndReport(Peer peer)
    {
        FlushQueue(peer);
        return true;
    }

    private void StartDial(DialTarget target)
    {
        long now = _clock.NowMs;
        target.Active = true;
        target.StartedMs = now;
        target.NextAttemptMs = now;
        target.Attempts = 0;
        if (target.Peer is { } peer && target.UdpCandidates.Count == 0 && target.TcpEndpoint is null)
        {
            // Nothing known about where it is: the coordinators know (and tell it to punch toward us).
            QueryFor(peer, now);
        }

        Attempt(target);
    }

    /// <summary>
    /// The peer at <paramref name="source"/> says it has no session <paramref name="index"/>: if that is the one we send
    /// on, over that very path, it restarted — hold packets and handshake again now (at most once a second per peer).
    /// </summary>
    private void OnSessionUnknown(uint index, PacketSource source)
    {
        long now = _clock.NowMs;
        foreach (Peer peer in _peers.Values)
        {
            if (peer.Current is { } current && current.RemoteIndex == index && source.Matches(peer.Path) && now - peer.LastSessionUnknownMs >= 1000)
            {
                peer.LastSessionUnknownMs = now;
                MeshLogMessages.SessionLost(_log, peer.Name, source.ToString());
                peer.Current = null;
                StartDial(peer.Dial);
                return;
            }
        }
    }

    private void Rekey(Peer peer, string why)
    {
        if (!peer.Dial.Active)
        {
            MeshLogMessages.Rekey(_log, peer.Name, why);
            StartDial(peer.Dial);
        }
    }

    /// <summary>
    /// One round of connection attempts: a fresh initiation on every path worth trying at this point. UDP first; after
    /// <see cref="EngineOptions.UdpGraceMs"/> also TLS on TCP; after <see cref="EngineOptions.RelayGraceMs"/> also each
    /// relay. Whichever answer arrives first sets the path; probes later move the peer back to direct UDP.
    /// </summary>
    private void Attempt(DialTarget target)
    {
        long now = _clock.NowMs;
        long elapsed = now - target.StartedMs;
        Peer? peer = target.Peer;
        if (elapsed > _options.DialGiveUpMs)
        {
            target.Active = false;
            if (peer is not null)
            {
                peer.ClearQueue();
                MeshLogMessages.DialGaveUp(_log, peer.Name, elapsed);
            }

            return;
        }

        if (peer is not null && elapsed >= _options.UdpGraceMs / 2)
        {
            QueryFor(peer, now);
        }

        var paths = new List<PeerPath>();
        // A rekey (or a redial of a path that went quiet) tries the path in use first.
        if (peer?.Path is { } currentPath && peer.Current is not null && elapsed < _options.UdpGraceMs)
        {
            paths.Add(currentPath);
        }

        foreach (UdpEndpoint candidate in target.UdpCandidates)
        {
            if (!paths.Any(p => p is UdpPath u && u.Endpoint == candidate))
            {
                paths.Add(new UdpPath(candidate));
            }
        }

        bool noDirect = target.UdpCandidates.Count == 0;
        if ((elapsed >= _options.UdpGraceMs || noDirect) && target.TcpEndpoint is { } tcp)
        {
            if (FindLink(tcp) is { } link)
            {
                paths.Add(new LinkPath(link));
            }
            else if (!target.TcpDialing && _dialer is not null)
            {
                target.TcpDialing = true;
                _dialer.Dial(tcp);
            }
        }

        if (peer is not null && (elapsed >= _options.RelayGraceMs || (noDirect && target.TcpEndpoint is null)))
        {
            foreach (Peer relay in _peers.Values)
            {
                if (relay.NodeType == NodeType.Relay && !ReferenceEquals(relay, peer) && relay.Current is not null && relay.Path is { } rp && rp is not RelayPath)
                {
                    paths.Add(new RelayPath(relay));
                }
            }
        }

        if (paths.Count > 0)
        {
            byte[] init = NewInitiation(target);
            foreach (PeerPath path in paths)
            {
                if (path is RelayPath && peer is not null)
                {
                    SendOnPath(peer, path, init, _controlBuffers);
                }
                else if (path is UdpPath u)
                {
                    _udp.Send(u.Endpoint, init);
                }
                else if (path is LinkPath l)
                {
                    l.Link.Send(init);
                }
            }

            _udp.Flush();
        }

        target.Attempts++;
        target.NextAttemptMs = now + (elapsed < _options.UdpGraceMs ? _options.HandshakeRetryMs : 1000);
    }

    private void QueryFor(Peer peer, long now)
    {
        if (now - peer.Dial.LastQueryMs < 1000 || peer.IsCoordinator)
        {
            return;
        }

        peer.Dial.LastQueryMs = now;
        QueryCoordinators(new ControlMessage.Query(peer.MeshAddress));
    }

    private void QueryCoordinators(ControlMessage query)
    {
        foreach (DialTarget c in _coordinatorTargets)
        {
            if (c.Peer is { Current: not null, Path: not null } coordinator)
            {
                SendControl(coordinator, query);
            }
        }
    }

    private ILink? FindLink(UdpEndpoint remote)
    {
        foreach (ILink link in _links.Values)
        {
            if (link.IsOpen && link.Remote == remote)
            {
                return link;
            }
        }

        return null;
    }

    /// <summary>A TLS link is up (dialled by us toward <paramref name="dialled"/>, or accepted when that is null).</summary>
    public void OnLinkUp(ILink link, UdpEndpoint? dialled) => _post(() =>
    {
        _links[link.Id] = link;
        if (dialled is not { } endpoint)
        {
            return;
        }

        foreach (DialTarget target in AllTargets())
        {
            if (target.TcpEndpoint == endpoint)
            {
                target.TcpDialing = false;
                if (target.Active)
                {
                    Attempt(target);
                }
                else if (target.Peer is { Current: not null } p && p.Path is RelayPath)
                {
                    // Dialled to get off a relay: prove the link with a ping; its pong moves the peer onto it.
                    SendControl(p, new ControlMessage.Ping(++_pingId, _clock.NowMs), new LinkPath(link));
                }
            }
        }
    });

    public void OnLinkFailed(UdpEndpoint dialled) => _post(() =>
    {
        foreach (DialTarget target in AllTargets())
        {
            if (target.TcpEndpoint == dialled)
            {
                target.TcpDialing = false;
            }
        }
    });

    public void OnLinkDown(ILink link) => _post(() =>
    {
        _links.Remove(link.Id);
        foreach (Peer peer in _peers.Values)
        {
            if (peer.Path is LinkPath lp && ReferenceEquals(lp.Link, link))
            {
                peer.Path = null;
                if (peer.Current is not null)
                {
                    StartDial(peer.Dial);
                }
            }
        }
    });

    private IEnumerable<DialTarget> AllTargets() => _peers.Values.Select(p => p.Dial).Concat(_coordinatorTargets).Distinct();
}
