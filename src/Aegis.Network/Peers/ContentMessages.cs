using Aegis.Core.Encoding;

namespace Aegis.Network;

/// <summary>
/// Content-store block exchange between validators (SecureChat's replication): "send me these blocks, if you have
/// them". The receiver answers from its own store only, so a want never fans out further. Blocks are named by their
/// binary CID; the asker checks every answered block against the CID's hash before keeping it.
/// </summary>
public sealed record ContentWant(ulong RequestId, IReadOnlyList<byte[]> Cids) : PeerMessage
{
    public const int MaxCids = 64;
    public const int MaxCidBytes = 160;

    public override PeerMessageKind Kind => PeerMessageKind.ContentWant;

    protected override void WriteBody(CanonicalWriter w)
    {
        w.WriteU64(RequestId);
        CanonicalList.Write(w, Cids, (w, c) => w.WriteBytes8(c));
    }

    internal static ContentWant Read(ref CanonicalReader r)
    {
        ulong id = r.ReadU64("content_want.request_id");
        return new ContentWant(id, CanonicalList.Read(ref r, "content_want.count", MaxCids, (ref CanonicalReader x) => x.ReadBytes8("content_want.cid", MaxCidBytes).ToArray()));
    }
}

/// <summary>The blocks of a <see cref="ContentWant"/> this peer holds (possibly none), each with its CID.</summary>
public sealed record ContentBlocks(ulong RequestId, IReadOnlyList<(byte[] Cid, byte[] Data)> Blocks) : PeerMessage
{
    /// <summary>dag-pb's 2 MiB block bound (Kubo's bitswap limit).</summary>
    public const int MaxBlockBytes = 2 * 1024 * 1024;

    /// <summary>Bytes of block data in one answer: well under the 32 MiB frame limit.</summary>
    public const int MaxAnswerBytes = 8 * 1024 * 1024;

    public override PeerMessageKind Kind => PeerMessageKind.ContentBlocks;

    protected override void WriteBody(CanonicalWriter w)
    {
        w.WriteU64(RequestId);
        CanonicalList.Write(w, Blocks, (w, b) =>
        {
            w.WriteBytes8(b.Cid);
            w.WriteBytes32(b.Data);
        });
    }

    internal static ContentBlocks Read(ref CanonicalReader r)
    {
        ulong id = r.ReadU64("content_blocks.request_id");
        return new ContentBlocks(id, CanonicalList.Read(ref r, "content_blocks.count", ContentWant.MaxCids, (ref CanonicalReader x) =>
            (x.ReadBytes8("content_blocks.cid", ContentWant.MaxCidBytes).ToArray(), x.ReadBytes32("content_blocks.data", MaxBlockBytes).ToArray())));
    }
}
