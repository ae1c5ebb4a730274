namespace Aegis.Core.Crypto;

/// <summary>
/// Binary Merkle tree over SHA-256 with domain separation: leaf = H(0x00 ‖ item), node = H(0x01 ‖ left ‖ right).
/// An odd node at the end of a level is promoted unchanged rather than paired with itself, so two different leaf
/// lists can never share a root (the duplicate-last-leaf ambiguity of CVE-2012-2459), and a leaf can never pose as
/// an inner node. The root of no leaves is <see cref="Hash32.Zero"/>.
/// </summary>
public static class MerkleTree
{
    public static Hash32 HashLeaf(Hash32 item)
    {
        Span<byte> buffer = stackalloc byte[1 + Hash32.Size];
        buffer[0] = 0;
        item.CopyTo(buffer[1..]);
        return Hash32.Compute(buffer);
    }

    public static Hash32 HashNode(Hash32 left, Hash32 right)
    {
        Span<byte> buffer = stackalloc byte[1 + (2 * Hash32.Size)];
        buffer[0] = 1;
        left.CopyTo(buffer[1..]);
        right.CopyTo(buffer[(1 + Hash32.Size)..]);
        return Hash32.Compute(buffer);
    }

    /// <summary>The root over <paramref name="items"/> (each is leaf-hashed here), computed in place in one working array.</summary>
    public static Hash32 ComputeRoot(IReadOnlyList<Hash32> items)
    {
        if (items.Count == 0)
        {
            return Hash32.Zero;
        }

        var level = new Hash32[items.Count];
        for (int i = 0; i < level.Length; i++)
        {
            level[i] = HashLeaf(items[i]);
        }

        int count = level.Length;
        while (count > 1)
        {
            int next = 0;
            for (int i = 0; i < count; i += 2)
            {
                level[next++] = i + 1 < count ? HashNode(level[i], level[i + 1]) : level[i];
            }

            count = next;
        }

        return level[0];
    }

    /// <summary>The sibling hashes from leaf <paramref name="index"/> up to the root.</summary>
    public static MerkleProof CreateProof(IReadOnlyList<Hash32> items, int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, items.Count);
        var level = items.Select(HashLeaf).ToList();
        var siblings = new List<Hash32>();
        int position = index;
        while (level.Count > 1)
        {
            int sibling = position ^ 1;
            if (sibling < level.Count)
            {
                siblings.Add(level[sibling]);
            }

            var next = new List<Hash32>((level.Count + 1) / 2);
            for (int i = 0; i < level.Count; i += 2)
            {
                next.Add(i + 1 < level.Count ? HashNode(level[i], level[i + 1]) : level[i]);
            }

            level = next;
            position /= 2;
        }

        return new MerkleProof(index, items.Count, siblings);
    }
}

/// <summary>An inclusion proof: with the leaf count, the index fixes at which levels a sibling exists and on which side.</summary>
public sealed record MerkleProof(int Index, int LeafCount, IReadOnlyList<Hash32> Siblings)
{
    public bool Verify(Hash32 item, Hash32 root)
    {
        if (Index < 0 || Index >= LeafCount)
        {
            return false;
        }

        Hash32 hash = MerkleTree.HashLeaf(item);
        int position = Index;
        int width = LeafCount;
        int used = 0;
        while (width > 1)
        {
            int sibling = position ^ 1;
            if (sibling < width)
            {
                if (used >= Siblings.Count)
                {
                    return false;
                }

                hash = (position & 1) == 0 ? MerkleTree.HashNode(hash, Siblings[used]) : MerkleTree.HashNode(Siblings[used], hash);
                used++;
            }

            position /= 2;
            width = (width + 1) / 2;
        }

        return used == Siblings.Count && hash == root;
    }
}
