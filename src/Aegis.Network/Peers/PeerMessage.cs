using Aegis.Core.Consensus.Messages;
using Aegis.Core.Encoding;
using Aegis.Core.Ledger;

namespace Aegis.Network;

public enum PeerMessageKind : byte
{
    Consensus = 1,
    Transactions = 2,
    SyncRequest = 3,
    SyncResponse = 4,
    Ping = 5,
    Pong = 6,
    ContentWant = 7,
    ContentBlocks = 8,
    SnapshotOfferRequest = 9,
    SnapshotOffer = 10,
    SnapshotPartRequest = 11,
    SnapshotPart = 12,
}

/// <summary>
/// What nodes say to each other inside an authenticated channel: consensus messages, gossiped client transactions,
/// state-sync requests and answers, and heartbeats. One byte of kind, then the canonical encoding of the body.
/// </summary>
public abstract record PeerMessage
{
    public const int MaxSyncBlocks = 256;

    /// <summary>A quarter of the frame limit, so a sync answer fits in one frame with room for the size estimate to be off.</summary>
    public const long MaxSyncChunkBytes = SecureTransport.DefaultMaxFrameBytes / 4;
    public const int MaxGossipTxs = 10_000;

    public abstract PeerMessageKind Kind { get; }

    protected abstract void WriteBody(CanonicalWriter w);

    public byte[] ToBytes()
    {
        var w = new CanonicalWriter(256);
        w.WriteU8((byte)Kind);
        WriteBody(w);
        return w.ToArray();
    }

    /// <summary>Decodes a frame; throws <see cref="CodecException"/> naming the field on malformed input.</summary>
    public static PeerMessage FromBytes(ReadOnlySpan<byte> bytes)
    {
        var r = new CanonicalReader(bytes);
        var kind = (PeerMessageKind)r.ReadU8("peer_message.kind");
        PeerMessage m = kind switch
        {
            PeerMessageKind.Consensus => new ConsensusEnvelope(ConsensusMessage.ReadFrom(ref r)),
            PeerMessageKind.Transactions => TransactionsGossip.Read(ref r),
            PeerMessageKind.SyncRequest => new SyncRequest(r.ReadU64("sync_request.from_height"), (int)r.ReadU32("sync_request.max_blocks")),
            PeerMessageKind.SyncResponse => SyncResponse.Read(ref r),
            PeerMessageKind.Ping => new Ping(r.ReadU64("ping.nonce"), r.ReadI64("ping.sent_ticks")),
            PeerMessageKind.Pong => new Pong(r.ReadU64("pong.nonce"), r.ReadI64("pong.sent_ticks")),
            PeerMessageKind.ContentWant => ContentWant.Read(ref r),
            PeerMessageKind.ContentBlocks => ContentBlocks.Read(ref r),
            PeerMessageKind.SnapshotOfferRequest => new SnapshotOfferRequest(r.ReadU64("snapshot_offer_request.request_id")),
            PeerMessageKind.SnapshotOffer => SnapshotOffer.Read(ref r),
            PeerMessageKind.SnapshotPartRequest => SnapshotPartRequest.Read(ref r),
            PeerMessageKind.SnapshotPart => SnapshotPart.Read(ref r),
            _ => throw new CodecException($"peer_message.kind: unknown kind {(byte)kind}"),
        };
        r.EnsureEnd($"peer message {kind}");
        return m;
    }
}

public sealed record ConsensusEnvelope(ConsensusMessage Message) : PeerMessage
{
    public override PeerMessageKind Kind => PeerMessageKind.Consensus;

    protected override void WriteBody(CanonicalWriter w) => Message.WriteTo(w);
}

public sealed record TransactionsGossip(IReadOnlyList<Transaction> Transactions) : PeerMessage
{
    public override PeerMessageKind Kind => PeerMessageKind.Transactions;

    protected override void WriteBody(CanonicalWriter w) => CanonicalList.Write(w, Transactions, (w, tx) => tx.WriteTo(w));

    internal static TransactionsGossip Read(ref CanonicalReader r) =>
        new(CanonicalList.Read(ref r, "transactions.count", MaxGossipTxs, Transaction.ReadFrom));
}

public sealed record SyncRequest(ulong FromHeight, int MaxBlocks) : PeerMessage
{
    public override PeerMessageKind Kind => PeerMessageKind.SyncRequest;

    protected override void WriteBody(CanonicalWriter w)
    {
        w.WriteU64(FromHeight);
        w.WriteU32((uint)MaxBlocks);
    }
}

/// <summary>A chunk of committed blocks; the receiver checks each against its certificate before use.</summary>
public sealed record SyncResponse(IReadOnlyList<CommittedBlock> Blocks) : PeerMessage
{
    public override PeerMessageKind Kind => PeerMessageKind.SyncResponse;

    protected override void WriteBody(CanonicalWriter w) => CanonicalList.Write(w, Blocks, (w, b) => b.WriteTo(w));

    internal static SyncResponse Read(ref CanonicalReader r) =>
        new(CanonicalList.Read(ref r, "sync_response.count", MaxSyncBlocks, CommittedBlock.ReadFrom));
}

public sealed record Ping(ulong Nonce, long SentTicks) : PeerMessage
{
    public override PeerMessageKind Kind => PeerMessageKind.Ping;

    protected override void WriteBody(CanonicalWriter w)
    {
        w.WriteU64(Nonce);
        w.WriteI64(SentTicks);
    }
}

public sealed record Pong(ulong Nonce, long SentTicks) : PeerMessage
{
    public override PeerMessageKind Kind => PeerMessageKind.Pong;

    protected override void WriteBody(CanonicalWriter w)
    {
        w.WriteU64(Nonce);
        w.WriteI64(SentTicks);
    }
}
