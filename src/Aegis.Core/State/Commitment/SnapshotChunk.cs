using Aegis.Core.Crypto;
using Aegis.Core.Encoding;
using Aegis.Core.Ledger;

namespace Aegis.Core.State.Commitment;

/// <summary>
/// One piece of a state snapshot: every entry of the subtree at <see cref="Path"/> (its first <see cref="Depth"/> bits),
/// with the siblings from that subtree up to the root. It is checked alone against a certified state root
/// (<see cref="Verify"/>): the entries rebuild the subtree's hash, which the siblings must carry to the root, so a chunk
/// can neither add, alter nor omit an entry of its subtree. A node syncing by snapshot checks each chunk as it arrives,
/// then rebuilds the whole tree and checks that its root is the certified one (which proves no subtree was left out).
/// </summary>
public sealed record SnapshotChunk(Hash32 Path, int Depth, IReadOnlyList<KeyValuePair<byte[], byte[]>> Entries, IReadOnlyList<Hash32> Siblings)
{
    private const byte Version = 1;

    /// <summary>Bound on a chunk's entries, so a peer's chunk is bounded before it is decoded (64 Ki entries).</summary>
    public const int MaxEntries = 1 << 16;

    /// <summary>Null when this chunk is exactly the subtree at <see cref="Path"/> of the state under <paramref name="root"/>; otherwise why not.</summary>
    public string? Verify(Hash32 root)
    {
        if (Depth is < 0 or >= StateHashing.MaxDepth)
        {
            return $"chunk: depth {Depth} — expected 0 to {StateHashing.MaxDepth - 1}";
        }

        if (Siblings.Count != Depth)
        {
            return $"chunk: {Siblings.Count} siblings for a subtree at depth {Depth}";
        }

        if (Entries.Count == 0)
        {
            return "chunk: no entries (an empty subtree is not a chunk)";
        }

        if (StateHashing.Prefix(Path, Depth) != Path)
        {
            return "chunk: its path has bits set beyond its depth";
        }

        var keyHashes = new Hash32[Entries.Count];
        var leafHashes = new Hash32[Entries.Count];
        for (int i = 0; i < Entries.Count; i++)
        {
            keyHashes[i] = StateHashing.KeyHash(Entries[i].Key);
            leafHashes[i] = StateHashing.Leaf(keyHashes[i], StateHashing.ValueHash(Entries[i].Value));
            if (!StateHashing.SharePrefix(keyHashes[i], Path, Depth))
            {
                return $"chunk: entry {i} lies outside the chunk's subtree";
            }

            if (i > 0 && keyHashes[i] <= keyHashes[i - 1])
            {
                return $"chunk: entry {i} is out of key-hash order or repeats a key";
            }
        }

        Hash32 at = StateTree.SubtreeHash(keyHashes, leafHashes, Depth);
        for (int depth = Depth - 1; depth >= 0; depth--)
        {
            at = StateHashing.Bit(Path, depth) == 0 ? StateHashing.Node(at, Siblings[depth]) : StateHashing.Node(Siblings[depth], at);
        }

        return at == root ? null : $"chunk: its entries lead to state root {at.ToShortString()}, not {root.ToShortString()}";
    }

    public byte[] ToBytes()
    {
        var w = new CanonicalWriter(64 + (Siblings.Count * Hash32.Size) + (Entries.Count * 64));
        w.WriteU8(Version);
        w.WriteHash(Path);
        w.WriteU16((ushort)Depth);
        foreach (Hash32 s in Siblings)
        {
            w.WriteHash(s);
        }

        w.WriteU32((uint)Entries.Count);
        foreach (KeyValuePair<byte[], byte[]> e in Entries)
        {
            w.WriteBytes16(e.Key);
            w.WriteBytes32(e.Value);
        }

        return w.ToArray();
    }

    /// <exception cref="CodecException">not one well-formed chunk (it may still fail <see cref="Verify"/>).</exception>
    public static SnapshotChunk FromBytes(ReadOnlySpan<byte> bytes)
    {
        var r = new CanonicalReader(bytes);
        r.ReadVersion(Version, "chunk.version");

        Hash32 path = r.ReadHash("chunk.path");
        int depth = r.ReadU16("chunk.depth");
        if (depth >= StateHashing.MaxDepth)
        {
            throw new CodecException($"chunk.depth: {depth} — expected below {StateHashing.MaxDepth}");
        }

        var siblings = new Hash32[depth];
        for (int i = 0; i < depth; i++)
        {
            siblings[i] = r.ReadHash("chunk.sibling");
        }

        int count = r.ReadCount("chunk.entries", MaxEntries);
        var entries = new KeyValuePair<byte[], byte[]>[count];
        for (int i = 0; i < count; i++)
        {
            byte[] key = r.ReadBytes16("chunk.entry.key", LedgerLimits.MaxKeyBytes).ToArray();
            entries[i] = new(key, r.ReadBytes32("chunk.entry.value", LedgerLimits.MaxValueBytes).ToArray());
        }

        r.EnsureEnd("chunk");
        return new SnapshotChunk(path, depth, entries, siblings);
    }
}
