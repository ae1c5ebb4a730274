namespace Aegis.Mesh.Engine;

public sealed partial class MeshEngine
{
    /// <summary>
    /// The control loop's clock tick (every 100 ms in production): connection attempts, pings and liveness, probes back
    /// to direct UDP, rekeying, coordinator registration, expiry of old sessions and flows.
    /// </summary>
    public void Tick()
    {
        long now = _clock.NowMs;
        foreach (DialTarget target in _coordinatorTargets)
        {
            if (!target.Active && (target.Peer is null || target.Peer.Current is null) && now - target.StartedMs > 2000)
            {
                // Coordinators are dialled forever (a restarted one must be found again), at most every 2 s.
                StartDial(target);
            }
        }

        foreach (Peer peer in _peers.Values)
        {
            TickPeer(peer, now);
        }

        foreach (DialTarget target in _coordinatorTargets)
        {
            if (target.Active && target.Peer is null && now >= target.NextAttemptMs)
            {
                Attempt(target);
            }
        }

        if (now - _lastRegisterMs >= _options.RegisterIntervalMs)
        {
            _lastRegisterMs = now;
            foreach (DialTarget target in _coordinatorTargets)
            {
                if (target.Peer is { Current: not null } coordinator)
                {
                    Register(coordinator);
                }
            }
        }

        // The exit is asked for when a coordinator tunnel comes up; if the exit registered after that, the answer named
        // nobody (seen in the namespace tests when e started 0.2 s before the exit, and never asked again): ask again,
        // once a second, until one answers.
        if (_options.UseExit.Length > 0 && _exitPeer is null && now - _lastExitQueryMs >= 1000)
        {
            _lastExitQueryMs = now;
            foreach (DialTarget target in _coordinatorTargets)
            {
                if (target.Peer is { Current: not null } coordinator)
                {
                    SendControl(coordinator, new ControlMessage.QueryName(_options.UseExit));
                }
            }
        }

        if (now - _lastSweepMs >= 10_000)
        {
            _lastSweepMs = now;
            _filter.Track.Sweep(now);
            foreach ((uint index, PendingHandshake p) in _pending.ToArray())
            {
                if (now - p.StartedMs > 10_000)
                {
                    DropPending(index);
                }
            }
        }

        _udp.Flush();
    }

    private void TickPeer(Peer peer, long now)
    {
        DialTarget dial = peer.Dial;
        if (dial.Active && now >= dial.NextAttemptMs)
        {
            Attempt(dial);
        }

        if (peer.Current is not { } session)
        {
            return;
        }

        // Old sessions stop receiving after RejectAfter; an idle peer with nothing left is simply re-dialled on demand.
        foreach (Session.TransportSession old in peer.Sessions.ToArray())
        {
            if (now - old.CreatedMs > _options.RejectAfterMs)
            {
                bool current = ReferenceEquals(old, session);
                if (current)
                {
                    peer.Current = null;
                }

                peer.Sessions.Remove(old);
                RemoveSession(old);
                if (current)
                {
                    return;
                }
            }
        }

        bool infrastructure = peer.IsCoordinator || peer.NodeType == Session.NodeType.Relay || ReferenceEquals(peer, _exitPeer);
        bool active = infrastructure || now - peer.LastDataSentMs < _options.ActiveWindowMs;
        if (!active && now - peer.LastReceivedMs >= _options.ActiveWindowMs)
        {
            // Idle both ways: its sessions drop their native cipher contexts until the next packet (memory per idle peer).
            foreach (Session.TransportSession idle in peer.Sessions)
            {
                if (idle.HasContexts)
                {
                    idle.ReleaseContexts();
                }
            }
        }

        if (!active || peer.Path is not { } path)
        {
            return;
        }

        if (now - peer.LastPingMs >= _options.PingIntervalMs)
        {
            peer.LastPingMs = now;
            peer.UnansweredPings++;
            SendControl(peer, new ControlMessage.Ping(++_pingId, now));
        }

        if (peer.UnansweredPings >= 3 && now - peer.PathHeardMs > _options.DeadAfterMs && !dial.Active)
        {
            MeshLogMessages.PathDead(_log, peer.Name, path.Transport, now - peer.PathHeardMs);
            peer.UnansweredPings = 0;
            StartDial(dial);
            return;
        }

        if (path is not UdpPath && now - peer.LastProbeMs >= _options.ProbeIntervalMs)
        {
            peer.LastProbeMs = now;
            foreach (UdpEndpoint candidate in dial.UdpCandidates)
            {
                SendControl(peer, new ControlMessage.Ping(++_pingId, now), new UdpPath(candidate));
            }

            if (path is RelayPath && dial.TcpEndpoint is { } tcp)
            {
                if (FindLink(tcp) is { } link)
                {
                    SendControl(peer, new ControlMessage.Ping(++_pingId, now), new LinkPath(link));
                }
                else if (!dial.TcpDialing && _dialer is not null)
                {
                    dial.TcpDialing = true;
                    _dialer.Dial(tcp);
                }
            }
        }

        if (!dial.Active && ((session.IsInitiator && now - session.CreatedMs > _options.RekeyAfterMs) || session.SentPackets >= _options.RekeyAfterPackets))
        {
            Rekey(peer, session.SentPackets >= _options.RekeyAfterPackets ? "volume" : "time");
        }
    }
}
