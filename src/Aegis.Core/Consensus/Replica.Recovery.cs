using Aegis.Core.Consensus.Messages;

namespace Aegis.Core.Consensus;

// Crash recovery: rebuilding from the write-ahead record so the replica never contradicts what it said before.
public sealed partial class Replica
{
    /// <summary>
    /// Replays the record written by a previous incarnation (oldest first). Outputs are suppressed: everything in the
    /// record was already sent. Call once, right after construction, before any other input.
    /// </summary>
    public void Restore(IEnumerable<RecordEntry> record)
    {
        _replaying = true;
        try
        {
            foreach (RecordEntry entry in record)
            {
                Replay(entry);
            }
        }
        finally
        {
            _replaying = false;
        }

        AnnounceRestartCheckpoint();
        if (_inViewChange)
        {
            _viewChangeStartedTick = _ticks;
            return;
        }

        // A primary that crashed mid-pipeline holds its own proposals again, so it can extend them and recognise their commits.
        foreach (PrePrepare pp in _mySigned.Values.OfType<PrePrepare>().Where(p => p.View == _view && p.Height > _committedHeight).OrderBy(p => p.Height))
        {
            Slot slot = GetOrCreateSlot(pp.Height);
            slot.ProposalByView[_view] = pp;
            if (TryGetParent(pp.Height, _view, out Crypto.Hash32 parent, out _) && parent == pp.Block.Header.PreviousHash)
            {
                Accept(slot, pp);
            }
        }
    }

    private void Replay(RecordEntry entry)
    {
        switch (entry.Kind)
        {
            case RecordKind.ViewState:
                if (entry.Stable!.Height > _stable.Height)
                {
                    _stable = entry.Stable;
                }

                SetView(entry.View, entry.InViewChange);
                break;

            case RecordKind.SentMessage:
                RememberSent(entry.Message!);
                break;

            case RecordKind.Prepared:
                PreparedCertificate p = entry.Prepared!;
                if (p.Height > _committedHeight)
                {
                    Slot slot = GetOrCreateSlot(p.Height);
                    if (slot.Prepared is null || slot.Prepared.View < p.View)
                    {
                        slot.Prepared = p;
                    }
                }

                break;

            case RecordKind.ViewChangeStarted:
                var vc = (ViewChange)entry.Message!;
                SetView(vc.NewViewNumber, inViewChange: true);
                if (vc.NewViewNumber == _view)
                {
                    _myViewChange = vc;
                    StoreViewChange(vc);
                }

                break;

            case RecordKind.NewViewInstalled:
                var nv = (NewView)entry.Message!;
                if (nv.View >= _view)
                {
                    SetView(nv.View, inViewChange: false);
                    _installedNewView = nv;
                }

                break;
        }
    }

    private void SetView(ulong view, bool inViewChange)
    {
        if (view > _view)
        {
            _view = view;
            _inViewChange = inViewChange;
        }
        else if (view == _view)
        {
            _inViewChange = inViewChange;
        }
    }

    private void RememberSent(ConsensusMessage message)
    {
        (ulong view, ulong height) = message switch
        {
            PrePrepare pp => (pp.View, pp.Height),
            Vote v => (v.View, v.Height),
            _ => (0UL, 0UL),
        };

        if (height > _stable.Height)
        {
            if (_mySigned.TryGetValue((message.Type, view, height), out ConsensusMessage? earlier) && SignedHash(earlier) != SignedHash(message))
            {
                // The record says we signed two different blocks at one view and height: we equivocated once already.
                throw new InvariantViolationException($"signed once: the consensus record holds two different {message.Type} messages for view {view} and height {height} ({SignedHash(earlier).ToShortString()} and {SignedHash(message).ToShortString()})");
            }

            _mySigned[(message.Type, view, height)] = message;
            if (message is PrePrepare pp2 && pp2.View == _view && height >= _nextProposal)
            {
                _nextProposal = height + 1;
            }
        }
    }

    private static Crypto.Hash32 SignedHash(ConsensusMessage message) => message switch
    {
        PrePrepare pp => pp.Block.Hash,
        Vote v => v.BlockHash,
        _ => default,
    };
}
