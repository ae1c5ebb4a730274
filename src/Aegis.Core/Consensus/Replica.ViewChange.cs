using Aegis.Core.Consensus.Messages;
using Aegis.Core.Crypto;
using Aegis.Core.Ledger;

namespace Aegis.Core.Consensus;

// View change: replacing a crashed, slow or lying primary without losing any prepared block.
public sealed partial class Replica
{
    /// <summary>How far ahead of our view we keep view-change messages; further ones are ignored (f+1 honest replicas never jump ahead).</summary>
    private const ulong MaxViewsAhead = 64;

    private long ViewChangeTimeout => (long)_options.ViewChangeTimeoutTicks << Math.Min(_consecutiveViewChanges, 4);

    private void StartViewChange(ulong newView)
    {
        if (newView <= _view)
        {
            return;
        }

        _view = newView;
        _inViewChange = true;
        _consecutiveViewChanges++;
        _viewChangeStartedTick = _ticks;
        ForgetAcceptedProposals();

        ulong top = HighWatermark;
        CommittedBlock[] committed = [.. _slots.Values.Where(s => s.Height > _stable.Height && s.Height <= Math.Min(_committedHeight, top) && s.Certificate is not null).Select(s => new CommittedBlock(s.CommittedBlock!, s.Certificate!))];
        PreparedCertificate[] prepared = [.. _slots.Values.Where(s => s.Height > _committedHeight && s.Height <= top && s.Prepared is not null).Select(s => s.Prepared!)];
        ViewChange vc = Sign(new ViewChange(_me, newView, _stable, committed, prepared));
        _myViewChange = vc;
        Persist(new RecordEntry(RecordKind.ViewChangeStarted, _stable.Height, Message: vc));
        Emit(new ReplicaTrace($"view change to {newView}"));
        Emit(new Broadcast(vc));
        StoreViewChange(vc);
        TryBuildNewView();
    }

    /// <summary>Proposals accepted in older views no longer count; their transactions go back to the mempool.</summary>
    private void ForgetAcceptedProposals()
    {
        foreach (Slot slot in _slots.Values)
        {
            slot.ClearAcceptance();
            slot.ForgetViewsBefore(_view);
        }

        _mempool.ReturnInFlight();
    }

    private void OnViewChange(ViewChange vc)
    {
        if (vc.NewViewNumber < _view || (vc.NewViewNumber == _view && !_inViewChange))
        {
            // The sender is behind: help it with the NEW-VIEW that installed our view.
            if (!_inViewChange && _installedNewView is { } nv && nv.View == _view)
            {
                Emit(new Send(vc.Sender, nv));
            }

            return;
        }

        if (vc.NewViewNumber > _view + MaxViewsAhead)
        {
            return;
        }

        StoreViewChange(vc);

        // PBFT's liveness rule: f+1 replicas asking for later views include an honest one, so join the smallest of those views.
        var ahead = new Dictionary<ushort, ulong>();
        foreach ((ulong view, Dictionary<ushort, ViewChange> bySender) in _viewChanges)
        {
            if (view > _view)
            {
                foreach (ushort sender in bySender.Keys)
                {
                    ahead[sender] = ahead.TryGetValue(sender, out ulong v) ? Math.Min(v, view) : view;
                }
            }
        }

        if (ahead.Count >= _quorum.Weak)
        {
            StartViewChange(ahead.Values.Order().ElementAt(ahead.Count - _quorum.Weak));
        }

        TryBuildNewView();
    }

    private void StoreViewChange(ViewChange vc)
    {
        if (!_viewChanges.TryGetValue(vc.NewViewNumber, out Dictionary<ushort, ViewChange>? bySender))
        {
            bySender = [];
            _viewChanges[vc.NewViewNumber] = bySender;
        }

        bySender.TryAdd(vc.Sender, vc);
    }

    private void TryBuildNewView()
    {
        if (!_inViewChange || _validators.PrimaryOf(_view) != _me || !_viewChanges.TryGetValue(_view, out Dictionary<ushort, ViewChange>? bySender) || bySender.Count < _quorum.Size)
        {
            return;
        }

        ViewChange[] proofs = [.. bySender.Values.OrderBy(v => v.Sender).Take(_quorum.Size)];
        NewViewSelection.Result selection = NewViewSelection.Compute(proofs);
        Reproposal[] reproposals = [.. selection.Selected.Select(p => SignReproposal(p))];
        NewView nv = Sign(new NewView(_me, _view, proofs, reproposals));
        Emit(new Broadcast(nv));
        InstallNewView(nv, selection);
    }

    private Reproposal SignReproposal(NewViewSelection.Choice choice)
    {
        var signature = new byte[Crypto.Signature.Size];
        _signer.Sign(SignBytes.ForVote(VoteKind.PrePrepare, _chainId, _view, choice.Height, choice.Block.Hash), signature);
        return new Reproposal(choice.Height, choice.Block.Hash, signature);
    }

    private void OnNewView(NewView nv)
    {
        if (nv.View < _view || (nv.View == _view && !_inViewChange) || nv.View > _view + MaxViewsAhead)
        {
            return;
        }

        NewViewSelection.Result selection = NewViewSelection.Compute(nv.Proofs);
        if (selection.Selected.Count != nv.Reproposals.Count)
        {
            Emit(new ReplicaTrace($"new-view {nv.View} rejected: {nv.Reproposals.Count} re-proposals, selection has {selection.Selected.Count}"));
            return;
        }

        for (int i = 0; i < selection.Selected.Count; i++)
        {
            if (selection.Selected[i].Height != nv.Reproposals[i].Height || selection.Selected[i].Block.Hash != nv.Reproposals[i].BlockHash)
            {
                Emit(new ReplicaTrace($"new-view {nv.View} rejected: re-proposal at height {nv.Reproposals[i].Height} does not match the selection"));
                return;
            }
        }

        if (nv.View > _view)
        {
            _view = nv.View;
            ForgetAcceptedProposals();
        }

        InstallNewView(nv, selection);
    }

    /// <summary>Enters the view: adopts the base checkpoint, treats the carried-over blocks as pre-prepared in the new view, resumes.</summary>
    private void InstallNewView(NewView nv, NewViewSelection.Result selection)
    {
        _inViewChange = false;
        _installedNewView = nv;
        _viewChangesTotal++;
        Progress();
        foreach (ulong v in _viewChanges.Keys.Where(v => v <= _view).ToList())
        {
            _viewChanges.Remove(v);
        }

        Persist(new RecordEntry(RecordKind.NewViewInstalled, _stable.Height, Message: nv));
        Emit(new ViewChanged(_view, Primary));

        if (selection.Base.Height > _stable.Height)
        {
            AdoptStableCheckpoint(selection.Base, nv.Proofs.Where(p => p.Stable.Height == selection.Base.Height).Select(p => (int)p.Sender));
        }

        // Blocks we have not committed yet are accepted even below our stable checkpoint: they are the chain we must
        // know to tell which transactions are already taken.
        ulong floor = _committedHeight;
        for (int i = 0; i < selection.Selected.Count; i++)
        {
            NewViewSelection.Choice cert = selection.Selected[i];
            if (cert.Height <= floor)
            {
                continue;
            }

            Slot slot = GetOrCreateSlot(cert.Height);
            if (cert.Committed is not null && slot.Certificate is null)
            {
                slot.Certificate = cert.Committed;
                slot.CommittedBlock = cert.Block;
            }

            var pp = new PrePrepare((ushort)Primary, _view, cert.Height, cert.Block) { Signature = nv.Reproposals[i].Signature };
            if (pp.Sender == _me && !_mySigned.ContainsKey((MessageType.PrePrepare, _view, cert.Height)))
            {
                // A re-proposal is our pre-prepare too: after a crash we must not propose something else at this height.
                _mySigned[(MessageType.PrePrepare, _view, cert.Height)] = pp;
                Persist(new RecordEntry(RecordKind.SentMessage, cert.Height, Message: pp));
            }

            slot.ProposalByView[_view] = pp;
            Accept(slot, pp);
        }

        ulong last = selection.Selected.Count > 0 ? Math.Max(selection.Selected[^1].Height, Math.Max(floor, _stable.Height)) : Math.Max(floor, _stable.Height);
        _nextProposal = last + 1;
        AdvanceCommits();
        foreach (ulong h in _slots.Keys.ToList())
        {
            TryPrepared(h);
        }

        RetryBuffered();
        TryPropose();
    }
}
