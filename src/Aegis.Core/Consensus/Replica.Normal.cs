using Aegis.Core.Consensus.Messages;
using Aegis.Core.Crypto;
using Aegis.Core.Ledger;
using Aegis.Core.Mempool;

namespace Aegis.Core.Consensus;

// Normal case: propose, pre-prepare, prepare, commit, execute in height order.
public sealed partial class Replica
{
    private enum Verdict
    {
        Valid,
        Wait,
        Invalid,
        Stale,
    }

    private void TryPropose()
    {
        if (!IsPrimary || _replaying)
        {
            return;
        }

        while (true)
        {
            if (_nextProposal <= _committedHeight)
            {
                _nextProposal = _committedHeight + 1;
            }

            ulong h = _nextProposal;

            // Behind a stable checkpoint we do not know every committed transaction yet: sync first.
            if (_committedHeight < _stable.Height || h > _executedHeight + (ulong)_params.PipelineDepth || h > _committedHeight + (ulong)_options.MaxBlocksInFlight
                || !InWindow(h) || _mempool.PendingCount == 0)
            {
                return;
            }

            if (!TryGetParent(h, _view, out Hash32 parentHash, out long parentTs))
            {
                return;
            }

            if (!TryGetStateRootFor(h, out Hash32 stateRoot))
            {
                return;
            }

            // The mempool never admits a transaction the chain holds (SubmitTransactions checks the tx index) and drops
            // each one that commits; this filter is the second line, against the recent window and the blocks in flight.
            HashSet<Hash32> ancestors = InFlightAncestorTxs(h, _view);
            List<Transaction> txs = _mempool.TakeBatch(_options.MaxBlockTxs, _options.MaxBlockBytes, hash => _recent.Contains(hash) || ancestors.Contains(hash));
            if (txs.Count == 0)
            {
                return;
            }

            var header = new BlockHeader(_chainId, h, _view, parentHash, Block.ComputeTxRoot(txs), stateRoot, _me, Math.Max(_nowMs, parentTs), (uint)txs.Count);
            var block = new Block(header, txs);
            PrePrepare? pp = SignOnce(new PrePrepare(_me, _view, h, block));
            if (pp is null)
            {
                return;
            }

            Slot slot = GetOrCreateSlot(h);
            slot.ProposalByView[_view] = pp;
            Accept(slot, pp);
            Emit(new Broadcast(pp));
            _nextProposal = h + 1;
            TryPrepared(h);
        }
    }

    private void OnPrePrepare(PrePrepare pp, TxHistory history)
    {
        if (pp.View != _view || _inViewChange || !InWindow(pp.Height) || pp.Height <= _committedHeight)
        {
            return;
        }

        if (pp.Block.Header.View != pp.View)
        {
            // A block carried over from an older view: those arrive only inside NEW-VIEW, which proves they may be re-proposed.
            return;
        }

        Slot slot = GetOrCreateSlot(pp.Height);
        if (slot.ProposalByView.TryGetValue(pp.View, out PrePrepare? first))
        {
            if (first.Block.Hash != pp.Block.Hash)
            {
                ReportEvidence(EvidenceKind.EquivocatingProposal, pp.Sender, pp.View, pp.Height, "primary proposed two different blocks for one view and height", first, pp);
            }

            if (slot.HasAccepted(pp.View) || slot.Buffered is not null)
            {
                return;
            }
        }
        else
        {
            slot.ProposalByView[pp.View] = pp;
        }

        CheckHistory(history, pp.Height);
        Consider(slot, pp, history);
    }

    /// <summary>The host promises a history that reaches this replica's recent window (its writer never lags further).</summary>
    private void CheckHistory(TxHistory history, ulong height) =>
        InvariantViolationException.Assert(_recent.Covers(history.IndexedThrough), () => $"tx history: the host's tx index answer for the proposal at height {height} covers heights up to {history.IndexedThrough}, the recent window starts at {_recent.CompleteFrom}; a repeated transaction could pass unseen");

    /// <summary>Validates a proposal for the current view and accepts it, buffers it, or rejects it.</summary>
    private void Consider(Slot slot, PrePrepare pp, TxHistory history)
    {
        Verdict verdict = CheckProposal(pp, history, out string reason);
        switch (verdict)
        {
            case Verdict.Valid:
                slot.Buffered = null;
                slot.BufferedHistory = null;
                Accept(slot, pp);
                TryPrepared(slot.Height);
                TryCommitted(slot.Height);
                RetryBuffered();
                break;
            case Verdict.Wait:
                slot.Buffered = pp;
                slot.BufferedHistory = history;
                break;
            case Verdict.Invalid:
                slot.Buffered = null;
                ReportEvidence(EvidenceKind.InvalidProposal, pp.Sender, pp.View, pp.Height, reason, pp);
                break;
            default:
                slot.Buffered = null;
                break;
        }
    }

    private Verdict CheckProposal(PrePrepare pp, TxHistory history, out string reason)
    {
        reason = "";
        BlockHeader header = pp.Block.Header;
        if (pp.Height <= _committedHeight)
        {
            return Verdict.Stale;
        }

        if (header.View != pp.View || header.Proposer != pp.Sender)
        {
            reason = $"header names view {header.View} and proposer {header.Proposer}, message is view {pp.View} from {pp.Sender}";
            return Verdict.Invalid;
        }

        if (header.TxCount == 0)
        {
            reason = "empty block";
            return Verdict.Invalid;
        }

        if (_committedHeight < _stable.Height || !TryGetParent(pp.Height, pp.View, out Hash32 parentHash, out long parentTs))
        {
            return Verdict.Wait;
        }

        if (header.PreviousHash != parentHash)
        {
            if (pp.Height == _committedHeight + 1 && _committedView > pp.View)
            {
                // Our tip was committed by a later view's certificate than this proposal's view (we learned it while
                // still in the old view). Its primary may honestly have extended its own block of that view, which never
                // committed: a stale proposal, not evidence. Seed 1497 of `aegis sim --faults all` reported exactly
                // that against an honest primary.
                return Verdict.Stale;
            }

            reason = $"previous hash {header.PreviousHash.ToShortString()} does not extend {parentHash.ToShortString()}";
            return Verdict.Invalid;
        }

        if (header.TimestampMs < parentTs)
        {
            reason = $"timestamp {header.TimestampMs} is before its parent's {parentTs}";
            return Verdict.Invalid;
        }

        if (!TryGetStateRootFor(pp.Height, out Hash32 expectedRoot))
        {
            return Verdict.Wait;
        }

        if (header.StateRoot != expectedRoot)
        {
            reason = $"state root {header.StateRoot.ToShortString()} differs from ours {expectedRoot.ToShortString()}";
            return Verdict.Invalid;
        }

        // Exactly "not in the chain below this height": the tx index up to the history's height, the recent window from
        // there to our tip (together they leave no gap: see CheckHistory), and the blocks in flight between our tip and
        // this one. Every honest replica computes the same answer, whatever its own height.
        HashSet<Hash32> ancestors = InFlightAncestorTxs(pp.Height, pp.View);
        foreach (Transaction tx in pp.Block.Transactions)
        {
            if (_recent.Contains(tx.Hash) || history.Committed.Contains(tx.Hash) || ancestors.Contains(tx.Hash))
            {
                reason = $"transaction {tx.Hash.ToShortString()} is already committed or in an earlier block";
                return Verdict.Invalid;
            }
        }

        if (!history.FromGenesis)
        {
            // The host's index lacks the history below its snapshot: a transaction might be a replay of an old one. This
            // replica does not vote for the block; the validators holding the whole index decide, and it follows.
            return Verdict.Wait;
        }

        return Verdict.Valid;
    }

    /// <summary>Records the primary's proposal as accepted in the current view and, as a backup, votes PREPARE.</summary>
    private void Accept(Slot slot, PrePrepare pp)
    {
        slot.Block = pp.Block;
        slot.AcceptedView = pp.View;
        slot.PrimarySignature = pp.Signature;
        slot.TxSet = [.. pp.Block.Transactions.Select(t => t.Hash)];
        _mempool.MarkInFlight(pp.Block.Transactions);
        AddVote(slot.Prepares, pp.View, pp.Block.Hash, pp.Sender, pp.Signature);
        if (pp.Sender != _me)
        {
            Vote? prepare = SignOnce(new Vote(_me, MessageType.Prepare, pp.View, pp.Height, pp.Block.Hash));
            if (prepare is not null)
            {
                AddVote(slot.Prepares, pp.View, pp.Block.Hash, _me, prepare.Signature);
                Emit(new Broadcast(prepare));
            }
        }
    }

    private void OnPrepare(Vote v)
    {
        if (!AcceptVote(v, out Slot? slot))
        {
            return;
        }

        AddVote(slot.Prepares, v.View, v.BlockHash, v.Sender, v.Signature);
        TryPrepared(v.Height);
    }

    private void OnCommit(Vote v)
    {
        if (!AcceptVote(v, out Slot? slot))
        {
            return;
        }

        AddVote(slot.Commits, v.View, v.BlockHash, v.Sender, v.Signature);
        TryCommitted(v.Height);
    }

    /// <summary>Votes count for the current view or a few views ahead (they may arrive before NEW-VIEW); conflicting votes are evidence.</summary>
    private bool AcceptVote(Vote v, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Slot? slot)
    {
        slot = null;
        if (v.View < _view || v.View > _view + 2 || !InWindow(v.Height) || v.Height <= _committedHeight)
        {
            return false;
        }

        slot = GetOrCreateSlot(v.Height);
        if (slot.VoteBySender.TryGetValue((v.Kind, v.View, v.Sender), out Vote? first))
        {
            if (first.BlockHash != v.BlockHash)
            {
                ReportEvidence(EvidenceKind.ConflictingVotes, v.Sender, v.View, v.Height, $"two different {v.Kind} votes for one view and height", first, v);
            }

            return false;
        }

        slot.VoteBySender[(v.Kind, v.View, v.Sender)] = v;
        return true;
    }

    private static void AddVote(Dictionary<(ulong, Hash32), Dictionary<ushort, byte[]>> votes, ulong view, Hash32 hash, ushort sender, byte[] signature)
    {
        if (!votes.TryGetValue((view, hash), out Dictionary<ushort, byte[]>? bySender))
        {
            bySender = [];
            votes[(view, hash)] = bySender;
        }

        bySender.TryAdd(sender, signature);
    }

    /// <summary>
    /// Prepared at (view, h) needs the accepted proposal, a quorum of matching prepares (the primary's pre-prepare
    /// counts as its prepare) and the parent prepared in the same view or already committed. The parent rule is
    /// what lets <see cref="NewViewSelection"/> keep whole chains.
    /// </summary>
    private void TryPrepared(ulong height)
    {
        while (true)
        {
            Slot? slot = FindSlot(height);
            if (slot is null || !slot.HasAccepted(_view) || _inViewChange || slot.Prepared?.View == _view)
            {
                return;
            }

            Hash32 hash = slot.Block!.Hash;
            if (!slot.Prepares.TryGetValue((_view, hash), out Dictionary<ushort, byte[]>? votes) || !IsVoteQuorum(votes.Count))
            {
                return;
            }

            if (height - 1 > _committedHeight && FindSlot(height - 1)?.Prepared?.View != _view)
            {
                return;
            }

            int primary = _validators.PrimaryOf(_view);
            ValidatorSignature[] prepares = [.. votes.Where(kv => kv.Key != primary).OrderBy(kv => kv.Key).Take(_quorum.Size - 1).Select(kv => new ValidatorSignature(kv.Key, kv.Value))];
            InvariantViolationException.Assert(prepares.Length + 1 >= _quorum.Size, () => $"quorum: a prepared certificate for height {height} would carry {prepares.Length} prepares and the pre-prepare, the quorum of {_validators.Count} is {_quorum.Size}");
            slot.Prepared = new PreparedCertificate(_view, height, slot.Block, slot.PrimarySignature!, prepares);
            Persist(new RecordEntry(RecordKind.Prepared, height, Prepared: slot.Prepared));
            Vote? commit = SignOnce(new Vote(_me, MessageType.Commit, _view, height, hash));
            if (commit is not null)
            {
                AddVote(slot.Commits, _view, hash, _me, commit.Signature);
                Emit(new Broadcast(commit));
            }

            TryCommitted(height);
            height++;
        }
    }

    /// <summary>A quorum of COMMITs for a block we hold is a commit certificate, whatever our own progress.</summary>
    private void TryCommitted(ulong height)
    {
        Slot? slot = FindSlot(height);
        if (slot is null || slot.Certificate is not null)
        {
            return;
        }

        foreach (((ulong view, Hash32 hash), Dictionary<ushort, byte[]> votes) in slot.Commits)
        {
            if (!IsVoteQuorum(votes.Count))
            {
                continue;
            }

            Block? block = slot.FindBlock(hash);
            if (block is null)
            {
                continue;
            }

            ValidatorSignature[] signatures = [.. votes.OrderBy(kv => kv.Key).Take(_quorum.Size).Select(kv => new ValidatorSignature(kv.Key, kv.Value))];
            InvariantViolationException.Assert(signatures.Length >= _quorum.Size, () => $"quorum: a commit certificate for height {height} would carry {signatures.Length} signatures, the quorum of {_validators.Count} is {_quorum.Size}");
            slot.Certificate = new CommitCertificate(height, hash, view, signatures);
            slot.CommittedBlock = block;
            AdvanceCommits();
            return;
        }
    }

    private bool IsVoteQuorum(int votes) => votes >= (_options.UnsafeQuorumOverride ?? _quorum.Size);

    private void AdvanceCommits()
    {
        bool advanced = false;
        while (FindSlot(_committedHeight + 1) is { Certificate: not null } slot)
        {
            Block block = slot.CommittedBlock!;
            if (block.Header.PreviousHash != _committedHash)
            {
                // Two certificates for conflicting chains: more than f validators are faulty. Stop rather than fork.
                var evidence = new Evidence(EvidenceKind.StateDivergence, _me, slot.Certificate.View, block.Height, $"certified block {block.Hash.ToShortString()} (view {slot.Certificate.View}, signed by {string.Join(",", slot.Certificate.Signatures.Select(s => s.Validator))}) does not extend our committed tip {_committedHash.ToShortString()} at height {_committedHeight}");
                throw new InvariantViolationException($"hash chain: {evidence.Description}", evidence);
            }

            _committedHeight = block.Height;
            _committedHash = block.Hash;
            _committedTimestamp = block.Header.TimestampMs;
            _committedView = slot.Certificate.View;
            _recent.Add(block.Height, block.Transactions);
            _mempool.RemoveCommitted(block.Transactions);
            Emit(new CommitBlock(block, slot.Certificate));
            advanced = true;
        }

        if (advanced)
        {
            if (_committedHeight > RecentWindow)
            {
                _recent.EvictBelow(_committedHeight - RecentWindow + 1);
            }

            ForgetCommittedSlotsBelowWindow();

            _consecutiveViewChanges = 0;
            Progress();
            RetryBuffered();
        }
    }

    /// <summary>
    /// Of the committed heights, keeps the slots of the last watermark window only: what a replica restarted at this
    /// tip rebuilds (its constructor keeps the same), so the simulator's crashes already reach this state. A replica that
    /// commits through consensus never holds an older one (it commits only inside its window, committed ≤ stable +
    /// window, and its stable checkpoint drops what lies below); one that block-syncs past its window does, one slot per
    /// synced block until its next stable checkpoint. Measured before this: every synced block scanned every slot synced
    /// before it (<see cref="RetryBuffered"/>, <c>HasPendingWork</c>: 11 % of a replay join's CPU at 2,300 blocks) and
    /// held its block in memory, which is how a 100k-block replay fell from ~120 to ~25 blocks/s at 495 MiB.
    /// </summary>
    private void ForgetCommittedSlotsBelowWindow()
    {
        ulong window = (ulong)_params.WatermarkWindow;
        while (_committedHeight > window && _slots.Count > 0)
        {
            ulong lowest = _slots.Keys.First();
            if (lowest > _committedHeight - window)
            {
                return;
            }

            _slots.Remove(lowest);
        }
    }

    private void RetryBuffered()
    {
        if (_inViewChange)
        {
            return;
        }

        foreach (Slot slot in _slots.Values.Where(s => s.Buffered is not null).ToList())
        {
            if (slot.Buffered is { } pp && pp.View == _view && !slot.HasAccepted(_view))
            {
                TxHistory history = slot.BufferedHistory ?? TxHistory.None;
                if (!_recent.Covers(history.IndexedThrough))
                {
                    // We moved on too far since it arrived (a long sync) for its tx-index answer to be exact: drop it.
                    // A retransmission brings it back with a fresh answer; its commit votes still find it in ProposalByView.
                    slot.Buffered = null;
                    slot.BufferedHistory = null;
                    Emit(new ReplicaTrace($"buffered proposal at {pp.Height} dropped: its tx history is older than the recent window"));
                    continue;
                }

                Consider(slot, pp, history);
            }
        }
    }

    /// <summary>The block a proposal at <paramref name="height"/> must extend: the committed tip or the proposal accepted below it in the same view.</summary>
    private bool TryGetParent(ulong height, ulong view, out Hash32 hash, out long timestampMs)
    {
        if (height == _committedHeight + 1)
        {
            hash = _committedHash;
            timestampMs = _committedTimestamp;
            return true;
        }

        if (height > _committedHeight + 1 && FindSlot(height - 1) is { } parent && parent.HasAccepted(view))
        {
            hash = parent.Block!.Hash;
            timestampMs = parent.Block.Header.TimestampMs;
            return true;
        }

        hash = default;
        timestampMs = 0;
        return false;
    }

    private bool TryGetStateRootFor(ulong height, out Hash32 root)
    {
        ulong depth = (ulong)_params.PipelineDepth;
        ulong source = height > depth ? height - depth : 0;
        return _stateRoots.TryGetValue(source, out root) && source <= _executedHeight;
    }

    /// <summary>
    /// How many committed heights' transactions stay in memory. Beyond the dedup horizon, the watermark window: a
    /// proposal buffered at a height above our tip is re-checked later with the history it came with, and that history
    /// must still reach the window then (the host lags at most half the horizon behind our tip).
    /// </summary>
    private ulong RecentWindow => (ulong)_params.DedupHorizonBlocks + (ulong)_params.WatermarkWindow;

    private HashSet<Hash32> InFlightAncestorTxs(ulong height, ulong view)
    {
        var result = new HashSet<Hash32>();
        for (ulong h = _committedHeight + 1; h < height; h++)
        {
            if (FindSlot(h) is { } s && s.HasAccepted(view))
            {
                result.UnionWith(s.TxSet!);
            }
        }

        return result;
    }

    /// <summary>
    /// Signs a pre-prepare or vote unless this replica already signed a different one for the same view and height
    /// (including before a crash: the record restores <see cref="_mySigned"/>). Persists it before it can be sent.
    /// </summary>
    private T? SignOnce<T>(T message)
        where T : ConsensusMessage
    {
        (ulong view, ulong height, Hash32 hash) = message switch
        {
            PrePrepare pp => (pp.View, pp.Height, pp.Block.Hash),
            Vote v => (v.View, v.Height, v.BlockHash),
            _ => throw new InvalidOperationException("only proposals and votes are signed once"),
        };

        if (_mySigned.TryGetValue((message.Type, view, height), out ConsensusMessage? earlier))
        {
            Hash32 earlierHash = earlier is PrePrepare epp ? epp.Block.Hash : ((Vote)earlier).BlockHash;
            return earlierHash == hash ? (T)earlier : null;
        }

        T signed = Sign(message);
        _mySigned[(message.Type, view, height)] = signed;
        Persist(new RecordEntry(RecordKind.SentMessage, height, Message: signed));
        return signed;
    }
}
