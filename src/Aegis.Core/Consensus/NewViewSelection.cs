using Aegis.Core.Consensus.Messages;
using Aegis.Core.Ledger;

namespace Aegis.Core.Consensus;

/// <summary>
/// The deterministic rule that carries blocks into a new view. Start from the highest stable checkpoint among the
/// view-changes; then, height by height, take a committed block if anyone reports one, otherwise the prepared
/// certificate from the highest view, as long as the block extends the one chosen below it. A block committed in view
/// v was prepared in v by f+1 honest replicas, and each of them, before preparing it, had its parent either prepared
/// in v or committed; one of them is in every quorum of view-changes and reports exactly that. So the chain under a
/// committed block is always complete in the selection, committed blocks are never dropped or replaced, and stopping
/// at the first gap or fork drops only blocks that cannot have committed.
/// </summary>
public static class NewViewSelection
{
    /// <summary>A block carried into the new view, with the proof that allows it: a commit certificate or a prepared certificate.</summary>
    public sealed record Choice(Block Block, CommitCertificate? Committed, PreparedCertificate? Prepared)
    {
        public ulong Height => Block.Height;
    }

    public sealed record Result(CheckpointCertificate Base, IReadOnlyList<Choice> Selected);

    public static Result Compute(IReadOnlyList<ViewChange> proofs)
    {
        CheckpointCertificate baseCheckpoint = proofs[0].Stable;
        foreach (ViewChange vc in proofs)
        {
            if (vc.Stable.Height > baseCheckpoint.Height)
            {
                baseCheckpoint = vc.Stable;
            }
        }

        var committed = new Dictionary<ulong, CommittedBlock>();
        var prepared = new Dictionary<ulong, PreparedCertificate>();
        foreach (ViewChange vc in proofs)
        {
            foreach (CommittedBlock c in vc.Committed)
            {
                if (c.Height > baseCheckpoint.Height)
                {
                    committed.TryAdd(c.Height, c);
                }
            }

            foreach (PreparedCertificate p in vc.Prepared)
            {
                if (p.Height > baseCheckpoint.Height && (!prepared.TryGetValue(p.Height, out PreparedCertificate? best) || p.View > best.View))
                {
                    prepared[p.Height] = p;
                }
            }
        }

        var selected = new List<Choice>();
        Crypto.Hash32 parent = baseCheckpoint.BlockHash;
        for (ulong h = baseCheckpoint.Height + 1; ; h++)
        {
            Choice? choice = committed.TryGetValue(h, out CommittedBlock? c) ? new Choice(c.Block, c.Certificate, null)
                : prepared.TryGetValue(h, out PreparedCertificate? p) ? new Choice(p.Block, null, p)
                : null;
            if (choice is null || choice.Block.Header.PreviousHash != parent)
            {
                break;
            }

            selected.Add(choice);
            parent = choice.Block.Hash;
        }

        return new Result(baseCheckpoint, selected);
    }
}
