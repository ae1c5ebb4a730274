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

    public Hash32 BodyDigest => _digest ??= ComputeDigest();

    public override byte[] SignedBytes(string chainId) => SignBytes.ForDigest(VoteKind.ViewChange, chainId, NewViewNumber, BodyDigest);

    private Hash32 ComputeDigest()
    {
        var w = new CanonicalWriter(256);
        w.WriteU16(Sender);
        WriteBody(w);
        return Hash32.Compute(w.WrittenSpan);
    }

    protected override void WriteBody(CanonicalWriter w)
    {
        w.WriteU64(NewViewNumber);
        Stable.WriteTo(w);
        w.WriteU32((uint)Committed.Count);
        foreach (CommittedBlock c in Committed)
        {
            c.WriteTo(w);
        }

        w.WriteU32((uint)Prepared.Count);
        foreach (PreparedCertificate p in Prepared)
        {
            p.WriteTo(w);
        }
    }

    internal static ViewChange ReadBody(ref CanonicalReader r, ushort sender)
    {
        ulong view = r.ReadU64("viewchange.view");
        CheckpointCertificate stable = CheckpointCertificate.ReadFrom(ref r);
        int committedCount = r.ReadCount("viewchange.committed", MaxPrepared);
        var committed = new CommittedBlock[committedCount];
        for (int i = 0; i < committedCount; i++)
        {
            committed[i] = CommittedBlock.ReadFrom(ref r);
        }

        int count = r.ReadCount("viewchange.prepared", MaxPrepared);
        var prepared = new PreparedCertificate[count];
        for (int i = 0; i < count; i++)
        {
            prepared[i] = PreparedCertificate.ReadFrom(ref r);
        }

        return new ViewChange(sender, view, stable, committed, prepared);
    }
}
