using Aegis.Core.Consensus.Messages;
using Aegis.Core.Ledger;

namespace Aegis.Core.Consensus;

/// <summary>
/// The deterministic rule that carries prepared blocks into a new view. Start from the highest stable checkpoint
/// among the view-changes; then, height by height, take the prepared certificate from the highest view, as long as
/// its block extends the one chosen below it. A committed block was prepared by a quorum in its view and, because a
/// replica only prepares a height after preparing its parent in the same view, so were all its ancestors: the rule
/// therefore never drops or replaces a committed block, and stopping at the first gap or fork only drops blocks that
/// cannot have committed.
/// </summary>
public static class NewViewSelection
{
    public sealed record Result(CheckpointCertificate Base, IReadOnlyList<PreparedCertificate> Selected);

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

        var byHeight = new Dictionary<ulong, PreparedCertificate>();
        foreach (ViewChange vc in proofs)
        {
            foreach (PreparedCertificate p in vc.Prepared)
            {
                if (p.Height > baseCheckpoint.Height && (!byHeight.TryGetValue(p.Height, out PreparedCertificate? best) || p.View > best.View))
                {
                    byHeight[p.Height] = p;
                }
            }
        }

        var selected = new List<PreparedCertificate>();
        Crypto.Hash32 parent = baseCheckpoint.BlockHash;
        for (ulong h = baseCheckpoint.Height + 1; byHeight.TryGetValue(h, out PreparedCertificate? cert); h++)
        {
            if (cert.Block.Header.PreviousHash != parent)
            {
                break;
            }

            selected.Add(cert);
            parent = cert.Block.Hash;
        }

        return new Result(baseCheckpoint, selected);
    }
}
