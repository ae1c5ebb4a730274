using Aegis.Core.Crypto;

namespace Aegis.Core.State.Commitment;

/// <summary>
/// The hashes of the state tree. A key's place in the tree is the bits of SHA-256(key), most significant bit of the first
/// byte first; a leaf commits to the key's hash and the value's hash; an inner node to its two children. The leaf and
/// node prefixes are those of <see cref="MerkleTree"/> (0x00 leaf, 0x01 node), so a leaf can never pose as an inner node.
/// <see cref="Hash32.Zero"/> stands for an empty subtree: no SHA-256 output is known to be zero, so it cannot be forged.
/// </summary>
/// <remarks>These are consensus data: changing anything here changes every state root and forks the chain.</remarks>
public static class StateHashing
{
    /// <summary>The deepest a leaf can sit: one level per bit of the key hash.</summary>
    public const int MaxDepth = 256;

    public static Hash32 KeyHash(ReadOnlySpan<byte> key) => Hash32.Compute(key);

    public static Hash32 ValueHash(ReadOnlySpan<byte> value) => Hash32.Compute(value);

    /// <summary>A leaf: <see cref="MerkleTree.HashLeaf(Hash32, Hash32)"/>, 0x00 ‖ key hash ‖ value hash.</summary>
    public static Hash32 Leaf(Hash32 keyHash, Hash32 valueHash) => MerkleTree.HashLeaf(keyHash, valueHash);

    /// <summary>An inner node: exactly <see cref="MerkleTree.HashNode"/>, the one 0x01 ‖ left ‖ right hash in the codebase.</summary>
    public static Hash32 Node(Hash32 left, Hash32 right) => MerkleTree.HashNode(left, right);

    /// <summary>Bit <paramref name="depth"/> of <paramref name="hash"/> (0 = the most significant bit of byte 0): 0 goes left, 1 right.</summary>
    public static int Bit(Hash32 hash, int depth) => hash.GetBit(depth);

    /// <summary>True when <paramref name="a"/> and <paramref name="b"/> agree on their first <paramref name="bits"/> bits.</summary>
    public static bool SharePrefix(Hash32 a, Hash32 b, int bits)
    {
        Span<byte> x = stackalloc byte[Hash32.Size];
        Span<byte> y = stackalloc byte[Hash32.Size];
        a.CopyTo(x);
        b.CopyTo(y);
        int whole = bits >> 3;
        if (!x[..whole].SequenceEqual(y[..whole]))
        {
            return false;
        }

        int rest = bits & 7;
        if (rest == 0)
        {
            return true;
        }

        int mask = 0xFF << (8 - rest) & 0xFF;
        return (x[whole] & mask) == (y[whole] & mask);
    }

    /// <summary><paramref name="hash"/> with every bit from <paramref name="bits"/> on cleared: the canonical name of a subtree's path.</summary>
    public static Hash32 Prefix(Hash32 hash, int bits)
    {
        Span<byte> x = stackalloc byte[Hash32.Size];
        hash.CopyTo(x);
        for (int i = bits; i < MaxDepth; i++)
        {
            x[i >> 3] &= (byte)~(1 << (7 - (i & 7)));
        }

        return new Hash32(x);
    }

    /// <summary><paramref name="path"/> with bit <paramref name="depth"/> set: the right child's path of the subtree at that depth.</summary>
    public static Hash32 WithBit(Hash32 path, int depth)
    {
        Span<byte> bytes = stackalloc byte[Hash32.Size];
        path.CopyTo(bytes);
        bytes[depth >> 3] |= (byte)(1 << (7 - (depth & 7)));
        return new Hash32(bytes);
    }
}
