using System.Buffers.Binary;
using Aegis.Core.Crypto;
using Aegis.Core.State.Commitment;

namespace Aegis.Storage.Sqlite;

/// <summary>
/// A block's stale nodes as the one <c>state_stale.nodes</c> blob SQLite stores per block: for each node, its version
/// (u64 big-endian) and hash (32 bytes), 40 bytes an entry, in (version, hash) order — the order pruning deletes them in.
/// </summary>
/// <remarks>
/// One row per block instead of one per node (measured, bench/README.md "Tree writes in few statements"): logging 9,000
/// stale nodes as rows took 37–124 ms per block (a B-tree insert and a statement each), as one blob 1.4–2.7 ms.
/// </remarks>
internal static class StaleListBlob
{
    public const int EntrySize = sizeof(ulong) + Hash32.Size;

    /// <summary>The node table's key order: version, then hash.</summary>
    public static int KeyOrder(NodeRef a, NodeRef b) => a.Version != b.Version ? a.Version.CompareTo(b.Version) : a.Hash.CompareTo(b.Hash);

    public static byte[] Encode(IReadOnlyCollection<NodeRef> stale)
    {
        ArgumentNullException.ThrowIfNull(stale);
        NodeRef[] sorted = [.. stale];
        Array.Sort(sorted, KeyOrder);
        var blob = new byte[sorted.Length * EntrySize];
        int at = 0;
        foreach (NodeRef node in sorted)
        {
            BinaryPrimitives.WriteUInt64BigEndian(blob.AsSpan(at), node.Version);
            node.Hash.CopyTo(blob.AsSpan(at + sizeof(ulong), Hash32.Size));
            at += EntrySize;
        }

        return blob;
    }

    /// <exception cref="StoreCorruptException">the blob is not a whole number of entries.</exception>
    public static NodeRef[] Decode(ReadOnlySpan<byte> blob, long since)
    {
        if (blob.Length % EntrySize != 0)
        {
            throw new StoreCorruptException($"the state_stale row of version {since} is {blob.Length} bytes, not a multiple of {EntrySize}");
        }

        var nodes = new NodeRef[blob.Length / EntrySize];
        for (int i = 0; i < nodes.Length; i++)
        {
            ReadOnlySpan<byte> entry = blob.Slice(i * EntrySize, EntrySize);
            nodes[i] = new NodeRef(new Hash32(entry[sizeof(ulong)..]), BinaryPrimitives.ReadUInt64BigEndian(entry));
        }

        return nodes;
    }
}
