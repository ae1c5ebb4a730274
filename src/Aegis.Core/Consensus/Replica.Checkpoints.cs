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

    private void OnCheckpoint(CheckpointMessage c)
    {
        if (c.Height <= _stable.Height || c.Height % (ulong)_params.CheckpointInterval != 0 || c.Height > HighWatermark + (ulong)_params.WatermarkWindow)
        {
            return;
        }

        if (!_checkpointVotes.TryGetValue(c.Height, out Dictionary<ushort, CheckpointMessage>? votes))
        {
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
