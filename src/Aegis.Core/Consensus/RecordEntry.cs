using Aegis.Core.Consensus.Messages;
using Aegis.Core.Encoding;

namespace Aegis.Core.Consensus;

public enum RecordKind : byte
{
    /// <summary>A PRE-PREPARE, PREPARE or COMMIT this replica signed: it must never sign a different one for the same view and height.</summary>
    SentMessage = 1,

    /// <summary>A prepared certificate this replica formed: it must report it in later view changes.</summary>
    Prepared = 2,

    /// <summary>This replica started a view change (its VIEW-CHANGE message).</summary>
    ViewChangeStarted = 3,

    /// <summary>This replica installed a new view (the NEW-VIEW message).</summary>
    NewViewInstalled = 4,

    /// <summary>A summary written whenever the record is truncated: current view and stable checkpoint.</summary>
    ViewState = 5,
}

/// <summary>
/// One entry of the consensus write-ahead record: what a replica must remember across a crash so that, rebuilt from
/// it, it never contradicts what it said before. <see cref="Height"/> tags the entry for truncation below a stable checkpoint.
/// </summary>
public sealed record RecordEntry(RecordKind Kind, ulong Height, ConsensusMessage? Message = null, PreparedCertificate? Prepared = null, ulong View = 0, bool InViewChange = false, CheckpointCertificate? Stable = null)
{
    private const int MaxEntryBytes = 256 * 1024 * 1024;

    public byte[] ToBytes()
    {
        var w = new CanonicalWriter(256);
        w.WriteU8((byte)Kind);
        w.WriteU64(Height);
        switch (Kind)
        {
            case RecordKind.SentMessage or RecordKind.ViewChangeStarted or RecordKind.NewViewInstalled:
                Message!.WriteTo(w);
                break;
            case RecordKind.Prepared:
                Prepared!.WriteTo(w);
                break;
            case RecordKind.ViewState:
                w.WriteU64(View);
                w.WriteBool(InViewChange);
                Stable!.WriteTo(w);
                break;
            default:
                throw new InvalidOperationException($"unknown record kind {Kind}");
        }

        return w.ToArray();
    }

    public static RecordEntry FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > MaxEntryBytes)
        {
            throw new CodecException($"record entry of {bytes.Length} bytes exceeds the limit");
        }

        var r = new CanonicalReader(bytes);
        var kind = (RecordKind)r.ReadU8("record.kind");
        ulong height = r.ReadU64("record.height");
        RecordEntry entry = kind switch
        {
            RecordKind.SentMessage or RecordKind.ViewChangeStarted or RecordKind.NewViewInstalled => new RecordEntry(kind, height, Message: ConsensusMessage.ReadFrom(ref r)),
            RecordKind.Prepared => new RecordEntry(kind, height, Prepared: PreparedCertificate.ReadFrom(ref r)),
            RecordKind.ViewState => new RecordEntry(kind, height, View: r.ReadU64("record.view"), InViewChange: r.ReadBool("record.in_view_change"), Stable: CheckpointCertificate.ReadFrom(ref r)),
            _ => throw new CodecException($"record.kind: unknown kind {(byte)kind}"),
        };
        r.EnsureEnd("record entry");
        return entry;
    }
}
