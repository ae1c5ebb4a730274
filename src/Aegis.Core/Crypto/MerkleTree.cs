using System.Buffers;

namespace Aegis.Core.Crypto;

/// <summary>
/// Binary Merkle tree over SHA-256 with domain separation: leaf = H(0x00 ‖ item), node = H(0x01 ‖ left ‖ right).
/// An odd node at the end of a level is promoted unchanged rather than paired with itself, so two different leaf
/// lists can never share a root (the duplicate-last-leaf ambiguity of CVE-2012-2459), and a leaf can never pose as
/// an inner node. The root of no leaves is <see cref="Hash32.Zero"/>.
/// </summary>
/// <remarks>
/// The items are hashes (a block's transaction hashes) and are leaf-hashed here, so every caller gets the domain separation
/// without having to remember it. The roots are consensus data: changing anything here forks the chain.
/// </remarks>
public static class MerkleTree
{
    /// <summary>The first byte of every leaf preimage in the codebase (this tree's and the state tree's).</summary>
    public const byte LeafPrefix = 0x00;

    /// <summary>The first byte of every inner-node preimage in the codebase.</summary>
    public const byte NodePrefix = 0x01;

    /// <summary>The leaf hash of an item that is itself a hash; what <see cref="ComputeRoot"/> applies to each item.</summary>
    public static Hash32 HashLeaf(Hash32 item)
    {
        Span<byte> buffer = stackalloc byte[1 + Hash32.Size];
        buffer[0] = LeafPrefix;
        item.CopyTo(buffer[1..]);
        return Hash32.Compute(buffer);
    }

    /// <summary>A leaf that commits to two hashes, H(0x00 ‖ first ‖ second): the state tree's key-hash/value-hash leaf.</summary>
    public static Hash32 HashLeaf(Hash32 first, Hash32 second) => HashPair(LeafPrefix, first, second);

    public static Hash32 HashNode(Hash32 left, Hash32 right) => HashPair(NodePrefix, left, right);

    private static Hash32 HashPair(byte prefix, Hash32 first, Hash32 second)
    {
        Span<byte> buffer = stackalloc byte[1 + (2 * Hash32.Size)];
        buffer[0] = prefix;
        first.CopyTo(buffer[1..]);
        second.CopyTo(buffer[(1 + Hash32.Size)..]);
        return Hash32.Compute(buffer);
    }

    /// <summary>The root over <paramref name="items"/> (each is leaf-hashed here).</summary>
    public static Hash32 ComputeRoot(IReadOnlyList<Hash32> items) => Fold(items, index: -1, siblings: null);

    /// <summary>The sibling hashes from leaf <paramref name="index"/> up to the root.</summary>
    public static MerkleProof CreateProof(IReadOnlyList<Hash32> items, int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, items.Count);
        var siblings = new List<Hash32>();
        Fold(items, index, siblings);
        return new MerkleProof(index, items.Count, siblings);
    }

    /// <summary>
    /// Reduces the tree level by level, in place, in one pooled buffer: this runs for every block, and a fresh array for
    /// 10,000 leaves (320 KB) would land on the large-object heap each time. With <paramref name="siblings"/>, also records
    /// the sibling of <paramref name="index"/>'s ancestor on each level before that level is overwritten.
    /// </summary>
    private static Hash32 Fold(IReadOnlyList<Hash32> items, int index, List<Hash32>? siblings)
    {
        int count = items.Count;
        if (count == 0)
        {
            return Hash32.Zero;
        }

        Hash32[] level = ArrayPool<Hash32>.Shared.Rent(count);
        try
        {
            for (int i = 0; i < count; i++)
            {
                level[i] = HashLeaf(items[i]);
            }

            int position = index;
            while (count > 1)
            {
                if (siblings is not null && (position ^ 1) < count)
                {
                    siblings.Add(level[position ^ 1]);
                }

                // Writing pair i/2 only overwrites slots already read, so the level can shrink in place.
                int next = 0;
                for (int i = 0; i + 1 < count; i += 2)
                {
                    level[next++] = HashNode(level[i], level[i + 1]);
                }

                if ((count & 1) == 1)
                {
                    level[next++] = level[count - 1];
                }

                count = next;
                position >>= 1;
            }

            return level[0];
        }
        finally
        {
            // Hashes of public data: nothing to clear.
            ArrayPool<Hash32>.Shared.Return(level);
        }
    }
}
