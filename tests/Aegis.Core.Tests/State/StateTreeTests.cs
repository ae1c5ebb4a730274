using Aegis.Core.Crypto;
using Aegis.Core.Encoding;
using Aegis.Core.State;
using Aegis.Core.State.Commitment;

namespace Aegis.Core.Tests.State;

public class StateTreeTests
{
    private static byte[] B(string s) => System.Text.Encoding.UTF8.GetBytes(s);

    private static (InMemoryTreeNodeStore Store, Hash32 Root) Tree(int count)
    {
        var store = new InMemoryTreeNodeStore();
        TreeUpdate u = StateTree.Update(store, StateTree.EmptyRoot, [.. Enumerable.Range(0, count).Select(i => new StateChange(B($"key-{i}"), B($"value-{i}")))], 1);
        store.Apply(u, 1);
        return (store, u.Root);
    }

    [Fact]
    public void The_root_follows_the_documented_hashing_for_one_and_two_keys()
    {
        // One key: the root is its leaf. Two keys: an inner node over both, with empty levels where they share bits.
        Hash32 ka = Hash32.Compute(B("a")), kb = Hash32.Compute(B("b"));
        Hash32 la = StateHashing.Leaf(ka, Hash32.Compute(B("1"))), lb = StateHashing.Leaf(kb, Hash32.Compute(B("2")));
        Assert.Equal(la, StateTree.Build([new(B("a"), B("1"))]).Root);

        // Pinned bytes: SHA-256(0x00 ‖ SHA-256("a") ‖ SHA-256("1")), computed outside .NET (Python hashlib). A change
        // to the leaf preimage changes every state root, so it must fail here and not only move both sides of the test.
        Assert.Equal(Hash32.Parse("565388d4bc00257133f799d9366ac97f6e949c18acc53d17457f8859ba0f08d3"), la);

        int shared = 0;
        while (StateHashing.Bit(ka, shared) == StateHashing.Bit(kb, shared))
        {
            shared++;
        }

        Hash32 at = StateHashing.Bit(ka, shared) == 0 ? StateHashing.Node(la, lb) : StateHashing.Node(lb, la);
        for (int d = shared - 1; d >= 0; d--)
        {
            at = StateHashing.Bit(ka, d) == 0 ? StateHashing.Node(at, Hash32.Zero) : StateHashing.Node(Hash32.Zero, at);
        }

        Assert.Equal(at, StateTree.Build([new(B("a"), B("1")), new(B("b"), B("2"))]).Root);
    }

    [Fact]
    public void A_stored_node_that_was_altered_is_refused_at_the_read()
    {
        TreeNode leaf = TreeNode.NewLeaf(B("k"), B("v"), 4);
        byte[] bytes = leaf.ToBytes();
        Assert.Equal(leaf.Ref, TreeNode.FromBytes(bytes, leaf.Ref).Ref);
        for (int i = 0; i < bytes.Length; i++)
        {
            byte[] altered = (byte[])bytes.Clone();
            altered[i] ^= 0x20;
            Assert.Throws<CodecException>(() => TreeNode.FromBytes(altered, leaf.Ref));
        }

        TreeNode inner = TreeNode.NewInternal(leaf.Ref, NodeRef.Empty, 5);
        Assert.Contains("hash to", Assert.Throws<CodecException>(() => TreeNode.FromBytes(inner.ToBytes(), leaf.Ref)).Message);
        Assert.Throws<InvalidOperationException>(() => TreeNode.NewInternal(NodeRef.Empty, NodeRef.Empty, 5));

        // The children's versions are stored, not hashed: a child version after the node's own is refused at the read,
        // and an altered older one points at a row that is missing (or hashes to something else) one read later.
        Assert.Equal(leaf.Ref, TreeNode.FromBytes(inner.ToBytes(), inner.Ref).LeftRef);
        Assert.Contains("impossible", Assert.Throws<CodecException>(() => TreeNode.FromBytes(inner.ToBytes(), new NodeRef(inner.Hash, 3))).Message);
        byte[] innerBytes = inner.ToBytes();
        innerBytes[^9] ^= 1;
        Assert.Equal(new NodeRef(leaf.Hash, 5), TreeNode.FromBytes(innerBytes, inner.Ref).LeftRef);
        Assert.Throws<InvalidOperationException>(() => TreeNode.NewInternal(leaf.Ref, NodeRef.Empty, 3));
    }

    [Fact]
    public void A_missing_node_is_named_not_mistaken_for_an_absent_key()
    {
        (InMemoryTreeNodeStore store, Hash32 root) = Tree(50);
        var empty = new InMemoryTreeNodeStore();
        Assert.Equal(root, Assert.Throws<MissingTreeNodeException>(() => StateTree.Get(empty, root, B("key-1"))).Hash);
        Assert.Equal("value-7", System.Text.Encoding.UTF8.GetString(StateTree.Get(store, root, B("key-7"))!));
    }

    [Fact]
    public void Updates_that_change_nothing_keep_the_root_and_write_nothing()
    {
        (InMemoryTreeNodeStore store, Hash32 root) = Tree(100);
        TreeUpdate same = StateTree.Update(store, root, [new(B("key-3"), B("value-3")), new(B("absent"), null)], 2);
        Assert.Equal(root, same.Root);
        Assert.Empty(same.NewNodes);
        Assert.Empty(same.StaleNodes);
    }

    [Fact]
    public void A_key_named_twice_in_one_update_is_refused()
    {
        Assert.Throws<ArgumentException>(() => StateTree.Update(new InMemoryTreeNodeStore(), StateTree.EmptyRoot, [new(B("k"), B("1")), new(B("k"), null)], 1));
    }

    [Fact]
    public void A_proof_is_about_one_depth_per_level_of_the_tree()
    {
        (InMemoryTreeNodeStore store, Hash32 root) = Tree(4096);
        StateProof proof = StateTree.Prove(store, root, B("key-100"), out _);

        // 4096 keys: log2 = 12 levels, plus the expected ~1.3 of shared-prefix levels at the bottom.
        Assert.InRange(proof.Siblings.Count, 10, 24);
        StateProof absent = StateTree.Prove(store, root, B("not-there"), out byte[]? none);
        Assert.Null(none);
        Assert.Null(absent.Verify(root, B("not-there"), [], present: false));
        Assert.Contains("present", absent.Verify(root, B("not-there"), [], present: true));
    }

    [Fact]
    public void A_forged_chunk_is_refused_naming_what_is_wrong()
    {
        (InMemoryTreeNodeStore store, Hash32 root) = Tree(1000);
        int depth = StateSnapshot.ChooseDepth(1000, 100);
        Assert.Equal(4, depth);
        IReadOnlyList<ChunkLocation> plan = StateSnapshot.Plan(store, root, depth);
        Assert.Equal(16, plan.Count);
        SnapshotChunk chunk = StateSnapshot.CreateChunk(store, root, plan[3]);
        Assert.Null(chunk.Verify(root));

        var entries = chunk.Entries.ToList();
        Assert.Contains("state root", (chunk with { Entries = entries.Skip(1).ToList() }).Verify(root));
        Assert.Contains("state root", (chunk with { Entries = [.. entries.Take(1), new(entries[1].Key, B("forged")), .. entries.Skip(2)] }).Verify(root));
        Assert.Contains("order", (chunk with { Entries = [entries[1], entries[0], .. entries.Skip(2)] }).Verify(root));
        SnapshotChunk other = StateSnapshot.CreateChunk(store, root, plan[4]);
        Assert.Contains("outside", (chunk with { Entries = [.. entries, .. other.Entries] }).Verify(root));
        Assert.Contains("siblings", (chunk with { Siblings = chunk.Siblings.Skip(1).ToList() }).Verify(root));
        Assert.Throws<CodecException>(() => SnapshotChunk.FromBytes([.. chunk.ToBytes(), 0]));
    }
}
