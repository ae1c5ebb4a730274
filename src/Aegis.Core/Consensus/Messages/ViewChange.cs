using Aegis.Core.Crypto;
using Aegis.Core.Encoding;
using Aegis.Core.Ledger;

namespace Aegis.Core.Consensus.Messages;

/// <summary>
/// VIEW-CHANGE to <see cref="NewViewNumber"/>: the sender's latest stable checkpoint and, for every height above it,
/// either the committed block with its certificate or the highest-view prepared certificate it holds.
/// </summary>
public sealed record ViewChange(ushort Sender, ulong NewViewNumber, CheckpointCertificate Stable, IReadOnlyList<CommittedBlock> Committed, IReadOnlyList<PreparedCertificate> Prepared) : ConsensusMessage(Sender)
{
    public const int MaxPrepared = 4096;

    private Hash32? _digest;

    /// <summary>`with` copies (a changed sender, say) must not inherit the cached digest of the original.</summary>
    private ViewChange(ViewChange original)
        : base(original)
    {
        ArgumentNullException.ThrowIfNull(original);
        NewViewNumber = original.NewViewNumber;
        Stable = original.Stable;
        Committed = original.Committed;
        Prepared = original.Prepared;
    }

    public override MessageType Type => MessageType.ViewChange;

    public override ulong ViewNumber => NewViewNumber;

    public Hash32 BodyDigest => _digest ??= ComputeBodyDigest();

    public override byte[] SignedBytes(string chainId) => SignBytes.ForDigest(VoteKind.ViewChange, chainId, NewViewNumber, BodyDigest);

    protected override void WriteBody(CanonicalWriter w)
    {
        w.WriteU64(NewViewNumber);
        Stable.WriteTo(w);
        CanonicalList.Write(w, Committed, (w, c) => c.WriteTo(w));
        CanonicalList.Write(w, Prepared, (w, p) => p.WriteTo(w));
    }

    internal static ViewChange ReadBody(ref CanonicalReader r, ushort sender)
    {
        ulong view = r.ReadU64("viewchange.view");
        CheckpointCertificate stable = CheckpointCertificate.ReadFrom(ref r);
        CommittedBlock[] committed = CanonicalList.Read(ref r, "viewchange.committed", MaxPrepared, CommittedBlock.ReadFrom);
        PreparedCertificate[] prepared = CanonicalList.Read(ref r, "viewchange.prepared", MaxPrepared, PreparedCertificate.ReadFrom);

        return new ViewChange(sender, view, stable, committed, prepared);
    }
}
