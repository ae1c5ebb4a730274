using Aegis.Core.Crypto;
using Aegis.Core.Encoding;
using Aegis.Core.Ledger;

namespace Aegis.Core.State.Commitment;

public enum TreeNodeKind : byte
{
    Leaf = MerkleTree.LeafPrefix,
    Internal = MerkleTree.NodePrefix,
}

/// <summary>
/// One node of the state tree as it is stored. Nodes are content-addressed: a node's name is its hash, and its stored
/// bytes begin with exactly the 65 bytes that hash covers (prefix ‖ two hashes). A leaf also stores its key and value
/// after them, so the tree alone can answer a read at any retained root, serve a snapshot chunk, and check itself: a
/// leaf read back is accepted only when SHA-256(key) and SHA-256(value) match the hashes its name covers.
/// </summary>
/// <remarks>
/// An inner node never has two empty children, nor one empty child and one leaf (that leaf would sit one level up);
/// a subtree holding exactly one key is that key's leaf. This makes the tree a function of the key set alone, so the root
/// does not depend on the order of updates.
/// </remarks>
public sealed class TreeNode
{
    private const int HashedBytes = 1 + (2 * Hash32.Size);

    private TreeNode(TreeNodeKind kind, Hash32 first, Hash32 second, byte[]? key, byte[]? value, Hash32 hash)
    {
        Kind = kind;
        First = first;
        Second = second;
        _key = key;
        _value = value;
        Hash = hash;
    }

    public TreeNodeKind Kind { get; }

    /// <summary>The node's name: the hash its parent (or the state root) holds.</summary>
    public Hash32 Hash { get; }

    private Hash32 First { get; }

    private Hash32 Second { get; }

    public Hash32 Left => Kind == TreeNodeKind.Internal ? First : throw new InvalidOperationException("a leaf has no children");

    public Hash32 Right => Kind == TreeNodeKind.Internal ? Second : throw new InvalidOperationException("a leaf has no children");

    public Hash32 KeyHash => Kind == TreeNodeKind.Leaf ? First : throw new InvalidOperationException("an inner node has no key");

    public Hash32 ValueHash => Kind == TreeNodeKind.Leaf ? Second : throw new InvalidOperationException("an inner node has no value");

    /// <summary>The key (leaves only).</summary>
    public byte[] Key => _key ?? throw new InvalidOperationException("an inner node has no key");

    /// <summary>The value (leaves only).</summary>
    public byte[] Value => _value ?? throw new InvalidOperationException("an inner node has no value");

    private readonly byte[]? _key;
    private readonly byte[]? _value;

    public static TreeNode NewLeaf(byte[] key, byte[] value)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        Hash32 kh = StateHashing.KeyHash(key);
        Hash32 vh = StateHashing.ValueHash(value);
        return new TreeNode(TreeNodeKind.Leaf, kh, vh, key, value, StateHashing.Leaf(kh, vh));
    }

    public static TreeNode NewInternal(Hash32 left, Hash32 right)
    {
        if (left.IsZero && right.IsZero)
        {
            throw new InvalidOperationException("state tree invariant: an inner node with two empty children");
        }

        return new TreeNode(TreeNodeKind.Internal, left, right, null, null, StateHashing.Node(left, right));
    }

    /// <summary>The stored form: kind ‖ two hashes, then for a leaf its key (2-byte length) and value (4-byte length).</summary>
    public byte[] ToBytes()
    {
        var w = new CanonicalWriter(Kind == TreeNodeKind.Leaf ? HashedBytes + 6 + _key!.Length + _value!.Length : HashedBytes);
        w.WriteU8((byte)Kind);
        w.WriteHash(First);
        w.WriteHash(Second);
        if (Kind == TreeNodeKind.Leaf)
        {
            w.WriteBytes16(_key);
            w.WriteBytes32(_value!);
        }

        return w.ToArray();
    }

    /// <summary>
    /// Decodes a stored node and checks it is the node named <paramref name="expected"/>: a store that returns altered
    /// bytes is caught here, at the read, not later as a wrong root.
    /// </summary>
    /// <exception cref="CodecException">the bytes are malformed or are not the node <paramref name="expected"/>.</exception>
    public static TreeNode FromBytes(ReadOnlySpan<byte> bytes, Hash32 expected)
    {
        var r = new CanonicalReader(bytes);
        byte kind = r.ReadU8("state node.kind");
        Hash32 first = r.ReadHash("state node.hash0");
        Hash32 second = r.ReadHash("state node.hash1");
        TreeNode node;
        if (kind == (byte)TreeNodeKind.Internal)
        {
            if (first.IsZero && second.IsZero)
            {
                throw new CodecException("state node: an inner node with two empty children");
            }

            node = new TreeNode(TreeNodeKind.Internal, first, second, null, null, StateHashing.Node(first, second));
        }
        else if (kind == (byte)TreeNodeKind.Leaf)
        {
            byte[] key = r.ReadBytes16("state node.key", LedgerLimits.MaxKeyBytes).ToArray();
            byte[] value = r.ReadBytes32("state node.value", LedgerLimits.MaxValueBytes).ToArray();
            if (StateHashing.KeyHash(key) != first || StateHashing.ValueHash(value) != second)
            {
                throw new CodecException($"state node {expected.ToShortString()}: its key or value does not match the hashes it commits to");
            }

            node = new TreeNode(TreeNodeKind.Leaf, first, second, key, value, StateHashing.Leaf(first, second));
        }
        else
        {
            throw new CodecException($"state node.kind: expected 0 (leaf) or 1 (inner), got {kind}");
        }

        r.EnsureEnd("state node");
        if (node.Hash != expected)
        {
            throw new CodecException($"state node {expected.ToShortString()}: the stored bytes hash to {node.Hash.ToShortString()}");
        }

        return node;
    }
}
