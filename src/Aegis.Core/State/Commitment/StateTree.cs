using Aegis.Core.Crypto;

namespace Aegis.Core.State.Commitment;

/// <summary>
/// The authenticated key-value state: a binary Merkle trie over SHA-256(key) in which a subtree holding one key is that
/// key's leaf and an empty subtree is <see cref="Hash32.Zero"/> (a sparse Merkle tree of depth 256 with its
/// single-leaf subtrees collapsed, as in Diem's Jellyfish tree but binary). Its root is a function of the key-value set
/// alone, whatever the order of the updates that built it.
/// </summary>
/// <remarks>
/// Why this shape: keys are hashed, so an adversary cannot make a path long (a shared prefix of b bits costs 2^b
/// hashes to find) and the expected depth is log2(n) + 1.3, about 21 for a million keys; a proof is one 32-byte sibling
/// per level (~680 bytes at a million keys) and needs no node encodings; a binary tree hashes 65 bytes per level where a
/// 16-ary one hashes 513, and its non-membership proof is the same walk as its membership proof. Updates are batched per
/// block, so the top levels shared by the block's keys are rehashed once, not once per key (measured in
/// bench/README.md). Nodes are content-addressed (named by their hash), so unchanged subtrees are shared between
/// versions and a moved leaf (one that rises when its sibling is deleted) is not rewritten. A node is stored under
/// (version, hash) — the version of the block that wrote it — and an inner node stores its children's versions, so a
/// block's writes are appended at the end of the node table (docs/state-commitment.md, "Node storage").
/// <para>Pure code: it reads nodes through <see cref="ITreeNodeReader"/> and returns what to write.</para>
/// </remarks>
public static class StateTree
{
    /// <summary>The root of the empty state.</summary>
    public static readonly Hash32 EmptyRoot = Hash32.Zero;

    /// <summary>
    /// Applies one block's final changes (each key at most once; a null value deletes) to the tree under
    /// <paramref name="root"/>; the new nodes are written at <paramref name="version"/> (the block's height, above every
    /// version in the tree). Deleting an absent key changes nothing; putting a key's current value changes nothing.
    /// </summary>
    /// <exception cref="ArgumentException">a key appears twice.</exception>
    /// <exception cref="MissingTreeNodeException">the tree under <paramref name="root"/> is incomplete in <paramref name="nodes"/>.</exception>
    public static TreeUpdate Update(ITreeNodeReader nodes, Hash32 root, IReadOnlyList<StateChange> changes, ulong version)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentNullException.ThrowIfNull(changes);
        NodeRef rootRef = RootRef(nodes, root);
        if (rootRef.Version > version)
        {
            throw new ArgumentException($"state tree: an update at version {version} over root {rootRef}, written later", nameof(version));
        }

        var ops = new Op[changes.Count];
        for (int i = 0; i < ops.Length; i++)
        {
            StateChange c = changes[i];
            ops[i] = c.Value is null ? new Op(StateHashing.KeyHash(c.Key), null) : new Op(StateHashing.KeyHash(c.Key), TreeNode.NewLeaf(c.Key, c.Value, version));
        }

        Array.Sort(ops, static (a, b) => a.KeyHash.CompareTo(b.KeyHash));
        for (int i = 1; i < ops.Length; i++)
        {
            if (ops[i].KeyHash == ops[i - 1].KeyHash)
            {
                throw new ArgumentException($"key hash {ops[i].KeyHash.ToShortString()} appears twice in one update: a block's changes name each key once", nameof(changes));
            }
        }

        var updater = new Updater(nodes, version);
        Sub result = updater.Apply(rootRef, 0, ops);
        return new TreeUpdate(result.Ref.Hash, result.Ref.Version, updater.New, updater.Stale);
    }

    /// <summary>
    /// The whole tree for a set of entries, from nothing, its nodes at <paramref name="version"/>: installing a snapshot,
    /// checking a root, and the oracle the tests compare with.
    /// </summary>
    public static TreeUpdate Build(IEnumerable<KeyValuePair<byte[], byte[]>> entries, ulong version = 0)
    {
        ArgumentNullException.ThrowIfNull(entries);
        return Update(NoNodes.Instance, EmptyRoot, [.. entries.Select(e => new StateChange(e.Key, e.Value))], version);
    }

    /// <summary>The stored row of the state root <paramref name="root"/> (<see cref="NodeRef.Empty"/> for the empty state).</summary>
    /// <exception cref="MissingTreeNodeException">no retained state has this root.</exception>
    public static NodeRef RootRef(ITreeNodeReader nodes, Hash32 root)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        return root.IsZero ? NodeRef.Empty : nodes.FindRoot(root);
    }

    /// <summary>The value of <paramref name="key"/> in the state under <paramref name="root"/>, or null when absent.</summary>
    public static byte[]? Get(ITreeNodeReader nodes, Hash32 root, ReadOnlySpan<byte> key)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        Hash32 keyHash = StateHashing.KeyHash(key);
        NodeRef at = RootRef(nodes, root);
        for (int depth = 0; !at.IsEmpty; depth++)
        {
            TreeNode node = nodes.Get(at);
            if (node.Kind == TreeNodeKind.Leaf)
            {
                return node.KeyHash == keyHash ? node.Value : null;
            }

            at = StateHashing.Bit(keyHash, depth) == 0 ? node.LeftRef : node.RightRef;
        }

        return null;
    }

    /// <summary>A proof of <paramref name="key"/>'s value, or of its absence, under <paramref name="root"/>.</summary>
    public static StateProof Prove(ITreeNodeReader nodes, Hash32 root, ReadOnlySpan<byte> key, out byte[]? value)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        Hash32 keyHash = StateHashing.KeyHash(key);
        var siblings = new List<Hash32>();
        NodeRef at = RootRef(nodes, root);
        for (int depth = 0; !at.IsEmpty; depth++)
        {
            TreeNode node = nodes.Get(at);
            if (node.Kind == TreeNodeKind.Leaf)
            {
                value = node.KeyHash == keyHash ? node.Value : null;
                return new StateProof(new ProofLeaf(node.KeyHash, node.ValueHash), siblings);
            }

            bool right = StateHashing.Bit(keyHash, depth) == 1;
            siblings.Add(right ? node.Left : node.Right);
            at = right ? node.RightRef : node.LeftRef;
        }

        value = null;
        return new StateProof(null, siblings);
    }

    /// <summary>Every leaf of the state under <paramref name="root"/>, in key-hash order.</summary>
    public static IEnumerable<TreeNode> Leaves(ITreeNodeReader nodes, Hash32 root) => Leaves(nodes, RootRef(nodes, root));

    /// <summary>Every leaf under the stored subtree <paramref name="subtree"/>, in key-hash order.</summary>
    public static IEnumerable<TreeNode> Leaves(ITreeNodeReader nodes, NodeRef subtree)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        return Walk(nodes, subtree);
    }

    private static IEnumerable<TreeNode> Walk(ITreeNodeReader nodes, NodeRef subtree)
    {
        var stack = new Stack<NodeRef>();
        if (!subtree.IsEmpty)
        {
            stack.Push(subtree);
        }

        while (stack.Count > 0)
        {
            TreeNode node = nodes.Get(stack.Pop());
            if (node.Kind == TreeNodeKind.Leaf)
            {
                yield return node;
                continue;
            }

            // Right first so that the left subtree comes out first.
            if (!node.Right.IsZero)
            {
                stack.Push(node.RightRef);
            }

            if (!node.Left.IsZero)
            {
                stack.Push(node.LeftRef);
            }
        }
    }

    /// <summary>The hash of the subtree at <paramref name="depth"/> holding exactly <paramref name="leaves"/> (sorted by key hash, distinct).</summary>
    internal static Hash32 SubtreeHash(IReadOnlyList<Hash32> keyHashes, IReadOnlyList<Hash32> leafHashes, int depth) =>
        SubtreeHash(keyHashes, leafHashes, 0, keyHashes.Count, depth);

    private static Hash32 SubtreeHash(IReadOnlyList<Hash32> keyHashes, IReadOnlyList<Hash32> leafHashes, int from, int to, int depth)
    {
        int count = to - from;
        if (count == 0)
        {
            return Hash32.Zero;
        }

        if (count == 1)
        {
            return leafHashes[from];
        }

        if (depth >= StateHashing.MaxDepth)
        {
            throw new InvalidOperationException("state tree invariant: two leaves with the same key hash");
        }

        int split = from;
        while (split < to && StateHashing.Bit(keyHashes[split], depth) == 0)
        {
            split++;
        }

        return StateHashing.Node(SubtreeHash(keyHashes, leafHashes, from, split, depth + 1), SubtreeHash(keyHashes, leafHashes, split, to, depth + 1));
    }

    private readonly record struct Op(Hash32 KeyHash, TreeNode? Leaf);

    private enum SubKind : byte
    {
        Unknown,
        Empty,
        Leaf,
        Internal,
    }

    /// <summary>A subtree's row and, when known without a read, its kind (compaction needs the kind of a lone child).</summary>
    private readonly record struct Sub(NodeRef Ref, SubKind Kind)
    {
        public Hash32 Hash => Ref.Hash;
    }

    private sealed class Updater(ITreeNodeReader nodes, ulong version)
    {
        public List<TreeNode> New { get; } = [];

        public List<NodeRef> Stale { get; } = [];

        public Sub Apply(NodeRef at, int depth, ReadOnlySpan<Op> ops)
        {
            if (ops.IsEmpty)
            {
                return new Sub(at, at.IsEmpty ? SubKind.Empty : SubKind.Unknown);
            }

            if (at.IsEmpty)
            {
                var leaves = new List<(TreeNode Leaf, bool IsNew)>(ops.Length);
                foreach (Op op in ops)
                {
                    if (op.Leaf is not null)
                    {
                        leaves.Add((op.Leaf, true));
                    }
                }

                return Build(leaves, 0, leaves.Count, depth);
            }

            TreeNode node = nodes.Get(at);
            return node.Kind == TreeNodeKind.Leaf ? ApplyAtLeaf(node, depth, ops) : ApplyAtInternal(node, depth, ops);
        }

        private Sub ApplyAtLeaf(TreeNode existing, int depth, ReadOnlySpan<Op> ops)
        {
            var leaves = new List<(TreeNode Leaf, bool IsNew)>(ops.Length + 1);
            bool keepExisting = true;
            bool changed = false;
            foreach (Op op in ops)
            {
                if (op.KeyHash == existing.KeyHash)
                {
                    keepExisting = false;
                    if (op.Leaf is not null && op.Leaf.Hash == existing.Hash)
                    {
                        leaves.Add((existing, false));
                    }
                    else
                    {
                        changed = true;
                        if (op.Leaf is not null)
                        {
                            leaves.Add((op.Leaf, true));
                        }
                    }
                }
                else if (op.Leaf is not null)
                {
                    changed = true;
                    leaves.Add((op.Leaf, true));
                }
            }

            if (!changed)
            {
                return new Sub(existing.Ref, SubKind.Leaf);
            }

            if (keepExisting)
            {
                // ops are sorted; the existing leaf goes in its place among them.
                int at = leaves.FindIndex(l => l.Leaf.KeyHash > existing.KeyHash);
                leaves.Insert(at < 0 ? leaves.Count : at, (existing, false));
            }
            else if (!leaves.Exists(l => l.Leaf == existing))
            {
                Stale.Add(existing.Ref);
            }

            return Build(leaves, 0, leaves.Count, depth);
        }

        private Sub ApplyAtInternal(TreeNode node, int depth, ReadOnlySpan<Op> ops)
        {
            int split = 0;
            while (split < ops.Length && StateHashing.Bit(ops[split].KeyHash, depth) == 0)
            {
                split++;
            }

            Sub left = Apply(node.LeftRef, depth + 1, ops[..split]);
            Sub right = Apply(node.RightRef, depth + 1, ops[split..]);
            if (left.Hash == node.Left && right.Hash == node.Right)
            {
                // Same hashes, same subtrees: the children's rows are the ones this node already names.
                return new Sub(node.Ref, SubKind.Internal);
            }

            Stale.Add(node.Ref);
            return Join(left, right);
        }

        /// <summary>The parent of two subtrees under the compaction rule: a lone leaf rises, a lone inner node gets a parent.</summary>
        private Sub Join(Sub left, Sub right)
        {
            if (left.Hash.IsZero && right.Hash.IsZero)
            {
                return new Sub(NodeRef.Empty, SubKind.Empty);
            }

            if (left.Hash.IsZero && KindOf(right) == SubKind.Leaf)
            {
                return right;
            }

            if (right.Hash.IsZero && KindOf(left) == SubKind.Leaf)
            {
                return left;
            }

            TreeNode parent = TreeNode.NewInternal(left.Ref, right.Ref, version);
            New.Add(parent);
            return new Sub(parent.Ref, SubKind.Internal);
        }

        private SubKind KindOf(Sub sub) => sub.Kind != SubKind.Unknown
            ? sub.Kind
            : nodes.Get(sub.Ref).Kind == TreeNodeKind.Leaf ? SubKind.Leaf : SubKind.Internal;

        private Sub Build(List<(TreeNode Leaf, bool IsNew)> leaves, int from, int to, int depth)
        {
            int count = to - from;
            if (count == 0)
            {
                return new Sub(NodeRef.Empty, SubKind.Empty);
            }

            if (count == 1)
            {
                (TreeNode leaf, bool isNew) = leaves[from];
                if (isNew)
                {
                    New.Add(leaf);
                }

                return new Sub(leaf.Ref, SubKind.Leaf);
            }

            if (depth >= StateHashing.MaxDepth)
            {
                throw new InvalidOperationException("state tree invariant: two leaves with the same key hash");
            }

            int split = from;
            while (split < to && StateHashing.Bit(leaves[split].Leaf.KeyHash, depth) == 0)
            {
                split++;
            }

            Sub left = Build(leaves, from, split, depth + 1);
            Sub right = Build(leaves, split, to, depth + 1);

            // Two or more leaves: the parent is always an inner node, even when one side is empty.
            TreeNode parent = TreeNode.NewInternal(left.Ref, right.Ref, version);
            New.Add(parent);
            return new Sub(parent.Ref, SubKind.Internal);
        }
    }

    private sealed class NoNodes : ITreeNodeReader
    {
        public static readonly NoNodes Instance = new();

        public TreeNode Get(NodeRef at) => throw new MissingTreeNodeException(at);

        public NodeRef FindRoot(Hash32 root) => throw new MissingTreeNodeException(root);
    }
}
