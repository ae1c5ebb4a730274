using Aegis.Core.Consensus.Messages;

namespace Aegis.Core.Consensus;

// Logical-time duties: suspecting the primary, heartbeats, resending our own messages, asking for missing blocks.
public sealed partial class Replica
{
    private void OnTimers()
    {
        if (_inViewChange)
        {
            // PBFT starts this timer only once a quorum has left the old views: a replica alone (just restarted, or cut
            // off) must not run ahead through views the others will never join; the f+1 rule pulls it along instead.
            if (!HasViewChangeQuorum(_view))
            {
                _viewChangeStartedTick = _ticks;
            }
            else if (_ticks - _viewChangeStartedTick > ViewChangeTimeout)
            {
                // The new primary did not deliver a NEW-VIEW in time: try the next one.
                StartViewChange(_view + 1);
            }
        }
        else if (HasPendingWork() && _ticks - _lastProgressTick > ViewChangeTimeout)
        {
            StartViewChange(_view + 1);
        }
        else if (!HasPendingWork())
        {
            // Idle time is not the primary's fault.
            _lastProgressTick = _ticks;
        }

        if (_ticks - _lastRetransmitTick >= _options.RetransmitTicks)
        {
            _lastRetransmitTick = _ticks;
            Emit(new Broadcast(new StatusMessage(_me, _view, _committedHeight, _inViewChange)));
            if (_ticks - _lastProgressTick >= _options.RetransmitTicks)
            {
                Retransmit();
            }
        }
    }

    /// <summary>A quorum has abandoned the views below <paramref name="view"/> (each asks for it or a later one).</summary>
    private bool HasViewChangeQuorum(ulong view)
    {
        var senders = new HashSet<ushort>();
        foreach ((ulong v, Dictionary<ushort, ViewChange> bySender) in _viewChanges)
        {
            if (v >= view)
            {
                senders.UnionWith(bySender.Keys);
            }
        }

        return senders.Count >= _quorum.Size;
    }

    private bool HasPendingWork() => _mempool.Count > 0 || _slots.Values.Any(s => s.Height > _committedHeight && (s.Block is not null || s.Buffered is not null));

    /// <summary>Messages can be lost; without progress we resend what we said for heights not yet committed.</summary>
    private void Retransmit()
    {
        if (_inViewChange)
        {
            if (_myViewChange is { } vc && vc.NewViewNumber == _view)
            {
                Emit(new Broadcast(vc));
            }

            return;
        }

        foreach (((MessageType _, ulong view, ulong height), ConsensusMessage message) in _mySigned.OrderBy(kv => kv.Key.Height))
        {
            if (view == _view && height > _committedHeight && !(message is PrePrepare pp && pp.Block.Header.View != view))
            {
                Emit(new Broadcast(message));
            }
        }

        if (_myLatestCheckpoint is { } cp && cp.Height > _stable.Height)
        {
            Emit(new Broadcast(cp));
        }
    }

    private void OnStatus(StatusMessage s)
    {
        _peerStatus[s.Sender] = s;
        if (s.CommittedHeight > _committedHeight)
        {
            // Others commit in our view: we are behind, not the primary at fault.
            if (s.View == _view && !s.InViewChange && !_inViewChange)
            {
                Progress();
            }

            RequestSyncFrom(s.Sender);
        }

        if (s.View < _view && !_inViewChange && _installedNewView is { } nv && nv.View == _view)
        {
            Emit(new Send(s.Sender, nv));
        }
    }

    private void RequestSyncFrom(int peer)
    {
        if (peer < 0 || peer == _me || _ticks - _lastSyncRequestTick < _options.RetransmitTicks)
        {
            return;
        }

        // Only ask when the next block cannot come from consensus messages we already hold.
        if (FindSlot(_committedHeight + 1)?.Certificate is not null)
        {
            return;
        }

        _lastSyncRequestTick = _ticks;
        Emit(new RequestSync(peer, _committedHeight + 1));
    }
}
