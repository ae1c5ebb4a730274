using Aegis.Core.Consensus.Messages;
using Aegis.Core.Crypto;
using Aegis.Core.Ledger;

namespace Aegis.Core.Consensus;

// Checkpoints: agreeing on the state root every K heights, and garbage-collecting the log below a stable one.
public sealed partial class Replica
{
    private void SendCheckpoint(ulong height, Hash32 stateRoot)
    {
        Hash32 blockHash = height == _committedHeight ? _committedHash : FindSlot(height)?.Certificate?.BlockHash ?? default;
        if (blockHash.IsZero)
        {
            return;
        }

        CheckpointMessage message = Sign(new CheckpointMessage(_me, height, blockHash, stateRoot));
        _myLatestCheckpoint = message;
        Emit(new Broadcast(message));
        OnCheckpoint(message);
    }

    /// <summary>
    /// A replica that starts on committed blocks above its stable checkpoint — every validator restored from backups
    /// (a backup holds blocks and state, not the consensus record), a snapshot join, a store built elsewhere — has its
    /// watermark window far below its tip: it refuses every proposal above the window, and before this change it also
    /// dropped every checkpoint vote there, so a cluster of such replicas never committed again (docs/operations.md,
    /// issue 10). It re-announces the last checkpoint its store holds; with <see cref="CheckpointVoteInRange"/> the
    /// others count that vote near their own tips, and the replicas restored lower send the same vote when block sync
    /// brings them through that height (<see cref="Replica.Executed"/>). 2f+1 matching votes make it stable as usual.
    /// <para>
    /// Why this is safe against f Byzantine validators: nothing new is trusted. The stable checkpoint is still only ever
    /// a <see cref="CheckpointCertificate"/> of 2f+1 CHECKPOINT signatures over (height, block hash, state root), so
    /// f+1 honest replicas executed that block to that state: the height is committed and the chain below it is the
    /// one every honest replica holds. The vote we sign is over a block the store holds with its commit certificate and
    /// a state root the restore (or the original execution) computed by replay, so it repeats what an honest replica
    /// said or would have said there. Byzantine votes alone (f of them) never reach a quorum, conflicting ones are
    /// evidence as before, and view changes carry the same certificate type, so NEW-VIEW's argument is unchanged. The
    /// wider acceptance range costs memory only, and stays bounded: two windows around the stable checkpoint and two
    /// around our committed tip, votes outside both are dropped (<see cref="ForgetOutOfRangeVotes"/>).
    /// </para>
    /// <para>
    /// The alternative — a backup carrying its node's stable checkpoint certificate, restore writing it into the record —
    /// needs a backup format change and still stalls validators restored at different heights: after the lower ones
    /// sync up, each window ends at its own old checkpoint, below the highest tip. What is not recovered either way:
    /// what a restored validator signed above its backup's tip (the record is not in the backup), so more than f
    /// validators restored next to never-stopped ones may contradict blocks only those hold (docs/operations.md says
    /// which directories to keep).
    /// </para>
    /// </summary>
    private void AnnounceRestartCheckpoint()
    {
        if (_restartCheckpoint is { } cp && cp.Height > _stable.Height && cp.Height <= _executedHeight)
        {
            SendCheckpoint(cp.Height, cp.StateRoot);
        }
    }

    /// <summary>
    /// Heights whose checkpoint votes we keep: up to two windows above the stable checkpoint (PBFT's bound), or within a
    /// window of our committed tip (a replica that restarted, or caught up by sync, above its stable checkpoint's window).
    /// </summary>
    private bool CheckpointVoteInRange(ulong height)
    {
        ulong window = (ulong)_params.WatermarkWindow;
        return height > _stable.Height && (height <= HighWatermark + window || (height + window > _committedHeight && height <= _committedHeight + window));
    }

    private void ForgetOutOfRangeVotes()
    {
        foreach (ulong h in _checkpointVotes.Keys.Where(h => !CheckpointVoteInRange(h)).ToList())
        {
            _checkpointVotes.Remove(h);
        }
    }

    private void OnCheckpoint(CheckpointMessage c)
    {
        if (c.Height % (ulong)_params.CheckpointInterval != 0 || !CheckpointVoteInRange(c.Height))
        {
            return;
        }

        if (!_checkpointVotes.TryGetValue(c.Height, out Dictionary<ushort, CheckpointMessage>? votes))
        {
            ForgetOutOfRangeVotes();
            votes = [];
            _checkpointVotes[c.Height] = votes;
        }

        if (votes.TryGetValue(c.Sender, out CheckpointMessage? first))
        {
            if (first.BlockHash != c.BlockHash || first.StateRoot != c.StateRoot)
            {
                ReportEvidence(EvidenceKind.ConflictingCheckpoints, c.Sender, 0, c.Height, "two different checkpoints for one height", first, c);
            }

            return;
        }

        votes[c.Sender] = c;
        CheckpointMessage[] matching = [.. votes.Values.Where(v => v.BlockHash == c.BlockHash && v.StateRoot == c.StateRoot).OrderBy(v => v.Sender)];
        if (!_quorum.IsQuorum(matching.Length))
        {
            return;
        }

        var certificate = new CheckpointCertificate(c.Height, c.BlockHash, c.StateRoot, [.. matching.Take(_quorum.Size).Select(v => new ValidatorSignature(v.Sender, v.Signature))]);
        AdoptStableCheckpoint(certificate, matching.Select(v => (int)v.Sender));
    }

    /// <summary>Moves the low watermark up to a proven checkpoint and drops everything below it.</summary>
    private void AdoptStableCheckpoint(CheckpointCertificate certificate, IEnumerable<int> holders)
    {
        if (certificate.Height <= _stable.Height)
        {
            return;
        }

        _stable = certificate;
        if (certificate.Height <= _executedHeight && _stateRoots.TryGetValue(certificate.Height, out Hash32 mine) && mine != certificate.StateRoot)
        {
            // Our state is not the one a quorum signed: everything we would serve or sign from here on is wrong.
            var evidence = new Evidence(EvidenceKind.StateDivergence, _me, _view, certificate.Height, $"our state root {mine.ToShortString()} after height {certificate.Height} differs from the one a quorum signed ({certificate.StateRoot.ToShortString()}, by {string.Join(",", certificate.Signatures.Select(s => s.Validator))})");
            throw new InvariantViolationException($"state: {evidence.Description}", evidence);
        }

        foreach (ulong h in _slots.Keys.Where(h => h <= certificate.Height && h <= _committedHeight).ToList())
        {
            _slots.Remove(h);
        }

        foreach (ulong h in _checkpointVotes.Keys.Where(h => h <= certificate.Height).ToList())
        {
            _checkpointVotes.Remove(h);
        }

        foreach ((MessageType, ulong, ulong Height) key in _mySigned.Keys.Where(k => k.Height <= certificate.Height).ToList())
        {
            _mySigned.Remove(key);
        }

        ulong keepRootsFrom = Math.Min(certificate.Height, _executedHeight);
        keepRootsFrom = keepRootsFrom > (ulong)_params.PipelineDepth ? keepRootsFrom - (ulong)_params.PipelineDepth : 0;
        foreach (ulong h in _stateRoots.Keys.Where(h => h < keepRootsFrom).ToList())
        {
            _stateRoots.Remove(h);
        }

        // The record only needs what lies above the new low watermark, plus where we are now — including the view
        // change we are in, or the new view we installed: their entries carry an older tag and go with the truncation,
        // and a replica restarted without them would neither resend nor count its own view change (a cluster that
        // cannot leave the view), nor be able to hand lagging peers the new view it is in.
        Persist(new RecordEntry(RecordKind.ViewState, certificate.Height, View: _view, InViewChange: _inViewChange, Stable: certificate));
        if (_inViewChange && _myViewChange is { } vc && vc.NewViewNumber == _view)
        {
            Persist(new RecordEntry(RecordKind.ViewChangeStarted, certificate.Height, Message: vc));
        }
        else if (!_inViewChange && _installedNewView is { } nv && nv.View == _view)
        {
            Persist(new RecordEntry(RecordKind.NewViewInstalled, certificate.Height, Message: nv));
        }

        Emit(new TruncateRecord(certificate.Height));

        if (_committedHeight < certificate.Height)
        {
            RequestSyncFrom(holders.FirstOrDefault(i => i != _me, -1));
        }
    }
}
