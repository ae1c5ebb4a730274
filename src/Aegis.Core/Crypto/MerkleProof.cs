namespace Aegis.Core.Crypto;

/// <summary>
/// An inclusion proof for the item at <paramref name="Index"/> among <paramref name="LeafCount"/> items. Index and count
/// together fix on which levels a sibling exists (an odd last node is promoted without one) and on which side it sits, so a
/// proof carries no direction bits that a forger could choose.
/// </summary>
/// <remarks>
/// The root does not let a verifier check <see cref="LeafCount"/> on its own: with a false count the same siblings can place
/// an item at a false index (the last of three leaves "proven" as the second of two). When the position matters, take the
/// count from the trusted header (its tx_count) and use <see cref="Verify(Hash32, Hash32, int)"/>.
/// </remarks>
public sealed record MerkleProof(int Index, int LeafCount, IReadOnlyList<Hash32> Siblings)
{
    /// <summary>
    /// True when <paramref name="item"/> (unhashed, as given to <see cref="MerkleTree.ComputeRoot"/>) sits at <see cref="Index"/>
    /// under <paramref name="root"/> in a tree of <paramref name="leafCount"/> items, the count coming from a trusted source.
    /// </summary>
    public bool Verify(Hash32 item, Hash32 root, int leafCount) => LeafCount == leafCount && Verify(item, root);

    /// <summary>
    /// True when <paramref name="item"/> (unhashed, as given to <see cref="MerkleTree.ComputeRoot"/>) is in the tree under
    /// <paramref name="root"/>; its position is proven only if <see cref="LeafCount"/> is, see the remarks.
    /// </summary>
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
            if ((position ^ 1) < width)
            {
                if (used >= Siblings.Count)
                {
                    return false;
                }

                hash = (position & 1) == 0 ? MerkleTree.HashNode(hash, Siblings[used]) : MerkleTree.HashNode(Siblings[used], hash);
                used++;
            }

            position >>= 1;
            width = (width + 1) / 2;
        }

        // Extra siblings would make two different proofs verify the same fact; a proof has exactly the siblings it needs.
        return used == Siblings.Count && hash == root;
    }
}
