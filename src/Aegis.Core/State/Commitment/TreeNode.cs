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

    private TreeNode(TreeNodeKind kind, Hash32 first, Hash32 second, byte[]? key, byte[]? value, Hash32 hash, ulong version, ulong leftVersion = 0, ulong rightVersion = 0)
    {
        Kind = kind;
        First = first;
        Second = second;
        _key = key;
        _value = value;
        Hash = hash;
        Version = version;
        _leftVersion = leftVersion;
        _rightVersion = rightVersion;
    }

    public TreeNodeKind Kind { get; }

    /// <summary>The node's name: the hash its parent (or the state root) holds.</summary>
    public Hash32 Hash { get; }

    /// <summary>The version (block height) whose update wrote this node: with <see cref="Hash"/>, its row key.</summary>
    public ulong Version { get; }

    /// <summary>Where this node is stored.</summary>
    public NodeRef Ref => new(Hash, Version);

    /// <summary>The left child's row (<see cref="NodeRef.Empty"/> for an empty subtree).</summary>
    public NodeRef LeftRef => new(Left, _leftVersion);

    /// <summary>The right child's row (<see cref="NodeRef.Empty"/> for an empty subtree).</summary>
    public NodeRef RightRef => new(Right, _rightVersion);

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
    private readonly ulong _leftVersion;
    private readonly ulong _rightVersion;

    public static TreeNode NewLeaf(byte[] key, byte[] value, ulong version)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        Hash32 kh = StateHashing.KeyHash(key);
        Hash32 vh = StateHashing.ValueHash(value);
        return new TreeNode(TreeNodeKind.Leaf, kh, vh, key, value, StateHashing.Leaf(kh, vh), version);
    }

    /// <summary>An inner node written at <paramref name="version"/> over two children's rows (their versions are stored, not hashed).</summary>
    public static TreeNode NewInternal(NodeRef left, NodeRef right, ulong version)
    {
        if (left.IsEmpty && right.IsEmpty)
        {
            throw new InvalidOperationException("state tree invariant: an inner node with two empty children");
        }

        if (left.Version > version || right.Version > version)
        {
            throw new InvalidOperationException($"state tree invariant: an inner node at version {version} over children written later ({left}, {right})");
        }

        return new TreeNode(TreeNodeKind.Internal, left.Hash, right.Hash, null, null, StateHashing.Node(left.Hash, right.Hash), version, left.IsEmpty ? 0 : left.Version, right.IsEmpty ? 0 : right.Version);
    }

    /// <summary>
    /// The stored form: kind ‖ two hashes, then for a leaf its key (2-byte length) and value (4-byte length), for an
    /// inner node its children's versions (u64 each, 0 for an empty child). Only the first 65 bytes are hashed; the
    /// node's own version is its row key, not part of the bytes.
    /// </summary>
    public byte[] ToBytes()
    {
        var w = new CanonicalWriter(Kind == TreeNodeKind.Leaf ? HashedBytes + 6 + _key!.Length + _value!.Length : HashedBytes + 16);
        w.WriteU8((byte)Kind);
        w.WriteHash(First);
        w.WriteHash(Second);
        if (Kind == TreeNodeKind.Leaf)
        {
            w.WriteBytes16(_key);
            w.WriteBytes32(_value!);
        }
        else
        {
            w.WriteU64(_leftVersion);
            w.WriteU64(_rightVersion);
        }

        return w.ToArray();
    }

    /// <summary>
    /// Decodes a stored node and checks it is the node named <paramref name="expected"/>: a store that returns altered
    /// bytes is caught here, at the read, not later as a wrong root. A child's version that is altered is caught one
    /// read later (its row is missing, or hashes to something else), or here when it claims a version after the node's.
    /// </summary>
    /// <exception cref="CodecException">the bytes are malformed or are not the node <paramref name="expected"/>.</exception>
    public static TreeNode FromBytes(ReadOnlySpan<byte> bytes, NodeRef expected)
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

            ulong leftVersion = r.ReadU64("state node.left_version");
            ulong rightVersion = r.ReadU64("state node.right_version");
            if (leftVersion > expected.Version || rightVersion > expected.Version || (first.IsZero && leftVersion != 0) || (second.IsZero && rightVersion != 0))
            {
                throw new CodecException($"state node {expected}: child versions {leftVersion} and {rightVersion} are impossible for a node written at version {expected.Version}");
            }

            node = new TreeNode(TreeNodeKind.Internal, first, second, null, null, StateHashing.Node(first, second), expected.Version, leftVersion, rightVersion);
        }
        else if (kind == (byte)TreeNodeKind.Leaf)
        {
            byte[] key = r.ReadBytes16("state node.key", LedgerLimits.MaxKeyBytes).ToArray();
            byte[] value = r.ReadBytes32("state node.value", LedgerLimits.MaxValueBytes).ToArray();
            if (StateHashing.KeyHash(key) != first || StateHashing.ValueHash(value) != second)
            {
                throw new CodecException($"state node {expected}: its key or value does not match the hashes it commits to");
            }

            node = new TreeNode(TreeNodeKind.Leaf, first, second, key, value, StateHashing.Leaf(first, second), expected.Version);
        }
        else
        {
            throw new CodecException($"state node.kind: expected 0 (leaf) or 1 (inner), got {kind}");
        }

        r.EnsureEnd("state node");
        if (node.Hash != expected.Hash)
        {
            throw new CodecException($"state node {expected}: the stored bytes hash to {node.Hash.ToShortString()}");
        }

        return node;
    }
}
