using Aegis.Core.Crypto;
using Aegis.Core.Encoding;
using Aegis.Core.Ledger;
using Aegis.Core.State.Commitment;

namespace Aegis.Network;

/// <summary>
/// "Which snapshot can you serve?" The answer (<see cref="SnapshotOffer"/>) names a committed block with its
/// certificate; the joiner checks the certificate against the genesis validators, and every part it then fetches
/// against that header's state root (the state after height − pipeline_depth).
/// </summary>
public sealed record SnapshotOfferRequest(ulong RequestId) : PeerMessage
{
    public override PeerMessageKind Kind => PeerMessageKind.SnapshotOfferRequest;

    protected override void WriteBody(CanonicalWriter w) => w.WriteU64(RequestId);
}

/// <summary>A peer's offer: the certified block whose header's state root it can serve, or none (it has no retained tree to serve).</summary>
public sealed record SnapshotOffer(ulong RequestId, CommittedBlock? Base) : PeerMessage
{
    public override PeerMessageKind Kind => PeerMessageKind.SnapshotOffer;

    protected override void WriteBody(CanonicalWriter w)
    {
        w.WriteU64(RequestId);
        w.WriteBool(Base is not null);
        Base?.WriteTo(w);
    }

    internal static SnapshotOffer Read(ref CanonicalReader r)
    {
        ulong id = r.ReadU64("snapshot_offer.request_id");
        return new SnapshotOffer(id, r.ReadBool("snapshot_offer.has_base") ? CommittedBlock.ReadFrom(ref r) : null);
    }
}

/// <summary>
/// "Send me the subtree at <see cref="Location"/> of the state under <see cref="StateRoot"/>." The joiner only asks for
/// subtrees whose hash it already knows (the root, or a child named by an earlier <see cref="SnapshotPart"/>).
/// </summary>
public sealed record SnapshotPartRequest(ulong RequestId, Hash32 StateRoot, ChunkLocation Location) : PeerMessage
{
    public override PeerMessageKind Kind => PeerMessageKind.SnapshotPartRequest;

    protected override void WriteBody(CanonicalWriter w)
    {
        w.WriteU64(RequestId);
        w.WriteHash(StateRoot);
        w.WriteHash(Location.Path);
        w.WriteU16((ushort)Location.Depth);
    }

    internal static SnapshotPartRequest Read(ref CanonicalReader r)
    {
        ulong id = r.ReadU64("snapshot_part_request.request_id");
        Hash32 root = r.ReadHash("snapshot_part_request.state_root");
        Hash32 path = r.ReadHash("snapshot_part_request.path");
        int depth = r.ReadU16("snapshot_part_request.depth");
        if (depth >= StateHashing.MaxDepth)
        {
            throw new CodecException($"snapshot_part_request.depth: {depth} — expected below {StateHashing.MaxDepth}");
        }

        return new SnapshotPartRequest(id, root, new ChunkLocation(path, depth));
    }
}

public enum SnapshotPartKind : byte
{
    /// <summary>The peer cannot serve this root (pruned, or it never had it); <see cref="SnapshotPart.Reason"/> says why.</summary>
    Unavailable = 0,

    /// <summary>Every entry of the subtree (<see cref="SnapshotPart.Chunk"/>, checked alone against the root).</summary>
    Chunk = 1,

    /// <summary>The subtree is too large for one part: its two children's hashes, to be asked for one by one.</summary>
    Split = 2,
}

/// <summary>The answer to a <see cref="SnapshotPartRequest"/>: a chunk, a split into two children, or unavailable.</summary>
public sealed record SnapshotPart(ulong RequestId, SnapshotPartKind Answer, SnapshotChunk? Chunk, Hash32 Left, Hash32 Right, string Reason) : PeerMessage
{
    /// <summary>A chunk's bytes in one part: the server splits a subtree above it (a quarter of the frame limit, like a sync answer).</summary>
    public const long MaxChunkBytes = MaxSyncChunkBytes;

    /// <summary>Entries in one part: the server splits a subtree with more (a few MiB of small values; more parts in flight balance peers better).</summary>
    public const int MaxChunkEntries = 8192;

    public override PeerMessageKind Kind => PeerMessageKind.SnapshotPart;

    public static SnapshotPart Unavailable(ulong requestId, string reason) => new(requestId, SnapshotPartKind.Unavailable, null, default, default, reason);

    public static SnapshotPart Of(ulong requestId, SnapshotChunk chunk) => new(requestId, SnapshotPartKind.Chunk, chunk, default, default, "");

    public static SnapshotPart Split(ulong requestId, Hash32 left, Hash32 right) => new(requestId, SnapshotPartKind.Split, null, left, right, "");

    protected override void WriteBody(CanonicalWriter w)
    {
        w.WriteU64(RequestId);
        w.WriteU8((byte)Answer);
        switch (Answer)
        {
            case SnapshotPartKind.Chunk:
                w.WriteBytes32(Chunk!.ToBytes());
                break;
            case SnapshotPartKind.Split:
                w.WriteHash(Left);
                w.WriteHash(Right);
                break;
            default:
                w.WriteString8(Reason.Length > 200 ? Reason[..200] : Reason);
                break;
        }
    }

    internal static SnapshotPart Read(ref CanonicalReader r)
    {
        ulong id = r.ReadU64("snapshot_part.request_id");
        var answer = (SnapshotPartKind)r.ReadU8("snapshot_part.answer");
        return answer switch
        {
            SnapshotPartKind.Chunk => Of(id, SnapshotChunk.FromBytes(r.ReadBytes32("snapshot_part.chunk", (int)MaxChunkBytes))),
            SnapshotPartKind.Split => Split(id, r.ReadHash("snapshot_part.left"), r.ReadHash("snapshot_part.right")),
            SnapshotPartKind.Unavailable => Unavailable(id, r.ReadString8("snapshot_part.reason")),
            _ => throw new CodecException($"snapshot_part.answer: unknown answer {(byte)answer}"),
        };
    }
}
