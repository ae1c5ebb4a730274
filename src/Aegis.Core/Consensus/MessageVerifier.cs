using Aegis.Core.Consensus.Messages;
using Aegis.Core.Crypto;
using Aegis.Core.Ledger;

namespace Aegis.Core.Consensus;

/// <summary>
/// Stateless, thread-safe checks of everything in a message that does not depend on the replica's state:
/// the sender is a validator, every signature is valid, embedded blocks are internally consistent, sizes are in range.
/// </summary>
public sealed class MessageVerifier : IMessageVerifier
{
    private readonly Genesis _genesis;

    public MessageVerifier(Genesis genesis) => _genesis = genesis;

    private ValidatorSet Validators => _genesis.Validators;

    private string ChainId => _genesis.ChainId;

    /// <summary>Returns the verified message, or null with <paramref name="error"/> saying why it was rejected.</summary>
    public VerifiedMessage? Verify(ConsensusMessage message, out string? error)
    {
        error = Check(message);
        return error is null ? new VerifiedMessage(message) : null;
    }

    private string? Check(ConsensusMessage m)
    {
        if (!Validators.Contains(m.Sender))
        {
            return $"{m.Type} from {m.Sender}: not a validator";
        }

        if (m is StatusMessage)
        {
            return null;
        }

        if (!Validators[m.Sender].PublicKey.Verify(m.SignedBytes(ChainId), m.Signature))
        {
            return $"{m.Type} from {m.Sender}: invalid signature";
        }

        return m switch
        {
            PrePrepare pp => CheckPrePrepare(pp),
            ViewChange vc => CheckViewChange(vc),
            NewView nv => CheckNewView(nv),
            _ => null,
        };
    }

    private string? CheckPrePrepare(PrePrepare pp)
    {
        if (Validators.PrimaryOf(pp.View) != pp.Sender)
        {
            return $"pre-prepare from {pp.Sender}: not the primary of view {pp.View}";
        }

        if (pp.Block.Height != pp.Height)
        {
            return $"pre-prepare for height {pp.Height} carries a block at height {pp.Block.Height}";
        }

        if (pp.Block.Header.ChainId != ChainId)
        {
            return $"pre-prepare block is for chain '{pp.Block.Header.ChainId}'";
        }

        string? integrity = pp.Block.CheckIntegrity();
        return integrity is null ? null : "pre-prepare block: " + integrity;
    }

    private string? CheckViewChange(ViewChange vc)
    {
        string? stable = vc.Stable.Verify(Validators, ChainId, _genesis.Hash);
        if (stable is not null)
        {
            return $"view-change from {vc.Sender}: {stable}";
        }

        ulong previous = vc.Stable.Height;
        foreach (CommittedBlock c in vc.Committed)
        {
            if (c.Height <= previous)
            {
                return $"view-change from {vc.Sender}: committed blocks must be above the checkpoint and ascending (height {c.Height})";
            }

            previous = c.Height;
            string? problem = c.Verify(Validators, ChainId);
            if (problem is not null)
            {
                return $"view-change from {vc.Sender}: {problem}";
            }
        }

        previous = vc.Stable.Height;
        foreach (PreparedCertificate p in vc.Prepared)
        {
            if (p.Height <= previous)
            {
                return $"view-change from {vc.Sender}: prepared certificates must be above the checkpoint and ascending (height {p.Height})";
            }

            if (p.View >= vc.NewViewNumber)
            {
                return $"view-change from {vc.Sender}: prepared certificate from view {p.View} is not older than view {vc.NewViewNumber}";
            }

            previous = p.Height;
            string? problem = p.Verify(Validators, ChainId);
            if (problem is not null)
            {
                return $"view-change from {vc.Sender}: {problem}";
            }
        }

        return null;
    }

    private string? CheckNewView(NewView nv)
    {
        if (Validators.PrimaryOf(nv.View) != nv.Sender)
        {
            return $"new-view from {nv.Sender}: not the primary of view {nv.View}";
        }

        if (nv.Proofs.Count < Validators.Quorum.Size)
        {
            return $"new-view for view {nv.View} carries {nv.Proofs.Count} view-changes, needs {Validators.Quorum.Size}";
        }

        var senders = new HashSet<ushort>();
        foreach (ViewChange vc in nv.Proofs)
        {
            if (vc.NewViewNumber != nv.View)
            {
                return $"new-view for view {nv.View} carries a view-change for view {vc.NewViewNumber}";
            }

            if (!senders.Add(vc.Sender))
            {
                return $"new-view for view {nv.View} counts validator {vc.Sender} twice";
            }

            string? problem = Check(vc);
            if (problem is not null)
            {
                return $"new-view for view {nv.View}: {problem}";
            }
        }

        PublicKey primary = Validators[nv.Sender].PublicKey;
        foreach (Reproposal r in nv.Reproposals)
        {
            if (!primary.Verify(SignBytes.ForVote(VoteKind.PrePrepare, ChainId, nv.View, r.Height, r.BlockHash), r.Signature))
            {
                return $"new-view for view {nv.View}: invalid pre-prepare signature at height {r.Height}";
            }
        }

        return null;
    }
}
