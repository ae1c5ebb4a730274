using Aegis.Core.Crypto;
using Aegis.Core.Encoding;
using Aegis.Core.Ledger;

namespace Aegis.Core.Consensus.Messages;

/// <summary>The new primary's PRE-PREPARE signature for a block carried over from an earlier view.</summary>
public readonly record struct Reproposal(ulong Height, Hash32 BlockHash, byte[] Signature);

/// <summary>
/// NEW-VIEW: a quorum of VIEW-CHANGE messages for <see cref="View"/> and the primary's pre-prepares for the blocks
/// that <see cref="NewViewSelection"/> derives from them. Every replica recomputes the selection, so a primary cannot
/// drop or substitute a prepared block.
/// </summary>
public sealed record NewView(ushort Sender, ulong View, IReadOnlyList<ViewChange> Proofs, IReadOnlyList<Reproposal> Reproposals) : ConsensusMessage(Sender)
{
    private Hash32? _digest;

    /// <summary>`with` copies (a changed sender, say) must not inherit the cached digest of the original.</summary>
    private NewView(NewView original)
        : base(original)
    {
        ArgumentNullException.ThrowIfNull(original);
        View = original.View;
        Proofs = original.Proofs;
        Reproposals = original.Reproposals;
    }

    public override MessageType Type => MessageType.NewView;

    public override ulong ViewNumber => View;

    public Hash32 BodyDigest => _digest ??= ComputeBodyDigest();

    public override byte[] SignedBytes(string chainId) => SignBytes.ForDigest(VoteKind.NewView, chainId, View, BodyDigest);

    protected override void WriteBody(CanonicalWriter w)
    {
        w.WriteU64(View);
        CanonicalList.Write(w, Proofs, (w, vc) => vc.WriteTo(w));
        CanonicalList.Write(w, Reproposals, (w, p) =>
        {
            w.WriteU64(p.Height);
            w.WriteHash(p.BlockHash);
            w.WriteFixed(p.Signature);
        });
    }

    internal static NewView ReadBody(ref CanonicalReader r, ushort sender)
    {
        ulong view = r.ReadU64("newview.view");
        int count = r.ReadCount("newview.proofs", LedgerLimits.MaxValidators);
        var proofs = new ViewChange[count];
        for (int i = 0; i < count; i++)
        {
            ConsensusMessage m = ReadFrom(ref r);
            proofs[i] = m as ViewChange ?? throw new CodecException($"newview.proofs[{i}]: expected a view-change, got {m.Type}");
        }

        Reproposal[] re = CanonicalList.Read(ref r, "newview.reproposals", ViewChange.MaxPrepared, static (ref CanonicalReader r) =>
            new Reproposal(r.ReadU64("newview.reproposal.height"), r.ReadHash("newview.reproposal.block_hash"), r.ReadFixed(Crypto.Signature.Size, "newview.reproposal.signature").ToArray()));

        return new NewView(sender, view, proofs, re);
    }
}
