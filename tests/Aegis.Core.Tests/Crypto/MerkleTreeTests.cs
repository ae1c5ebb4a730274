using System.Security.Cryptography;
using Aegis.Core.Crypto;

namespace Aegis.Core.Tests.Crypto;

public class MerkleTreeTests
{
    private static List<Hash32> Items(int n) => [.. Enumerable.Range(0, n).Select(i => Hash32.Compute([(byte)i]))];

    [Theory]
    // Block headers carry these roots, so they are pinned: a change here is a chain fork. Cross-checked with an independent
    // Python implementation of the same definition.
    [InlineData(0, "0000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData(1, "d9de27625445003d8a9739a851e3ff8d41c0683630b4d63a88327a6aaa37c409")]
    [InlineData(2, "604d540f09268b91672ab011394d5266ccd7d4484d0d109411a55848126a1b2c")]
    [InlineData(3, "d1f13800048f5909d4043fc0c152f6643280cba608b672715e56ce159a20629f")]
    [InlineData(4, "0dcc2b645c00dfa2338e1c7ac2c4b570beda5a476d58836e55e28bde55e6bee1")]
    [InlineData(5, "6b313b611b40676b9e1dfd70c4503f2379f88f0f1c2740fb7e1cacc32c113465")]
    [InlineData(6, "33d501ae67e6e5745c0aa49e3aff95130969b568208b07210c508caa5ff39b3c")]
    [InlineData(7, "bee2275db16667589a4515f63e0d053a2fa602c1d9f9703e98920a5bdad59baf")]
    [InlineData(8, "80e139b44c90f91edebec705cc7586c3d90f4bdadd49628d25c20d4b03419287")]
    [InlineData(9, "aaba260cc2c4084b1d745f8817ad3d3350c5b005d8283bc3246396eee0ad9538")]
    [InlineData(10, "d17abecdd62e65e15ca44e38fc113257c487b9ea6273ccb2c9f0dfc895661c98")]
    [InlineData(11, "ed1d954562b2a1663d5a2630ffaf20dc151d543c96bd785369c8ab3e3fc3df6c")]
    [InlineData(12, "941cf4c19ace86bf45a19afa035d9d0937ee1429abd73353585ae21df1badb9b")]
    [InlineData(13, "8759c611964a1e257c11aab61dcd8206d01ae8c29799365f8f1b94045c0a9db2")]
    [InlineData(14, "3443fd9d32330bab8684309180c0e88399b8c7cfdeef6a1bb88ecc3552ac1edb")]
    [InlineData(15, "54b1e3892d6ec05fd73f8f0470dfbbaed5bec6b5029764a2cf9ff7a99459d56b")]
    [InlineData(16, "cc6e692ad24b6d105fa005c1028345bd7fd47c0221444ae3e6b9aa3708cacfc2")]
    [InlineData(17, "028145c4eede095d2c6f0f63f0bdd130349f04a4970aaf544d8cbd00bedb5e42")]
    public void Roots_match_the_pinned_values(int n, string expected)
    {
        Assert.Equal(expected, MerkleTree.ComputeRoot(Items(n)).ToString());
    }

    [Fact]
    public void Roots_match_a_plain_level_by_level_reference_for_every_size_up_to_100()
    {
        for (int n = 0; n <= 100; n++)
        {
            List<Hash32> items = Items(n);
            Assert.Equal(ReferenceRoot(items), MerkleTree.ComputeRoot(items));
        }
    }

    [Fact]
    public void Every_proof_verifies_for_trees_of_every_size_up_to_33()
    {
        for (int n = 1; n <= 33; n++)
        {
            List<Hash32> items = Items(n);
            Hash32 root = MerkleTree.ComputeRoot(items);
            for (int i = 0; i < n; i++)
            {
                MerkleProof proof = MerkleTree.CreateProof(items, i);
                Assert.True(proof.Verify(items[i], root), $"n={n} i={i}");
                Assert.Equal(ExpectedDepth(n, i), proof.Siblings.Count);
            }
        }
    }

    [Fact]
    public void A_proof_fails_for_a_wrong_leaf_index_root_or_count()
    {
        for (int n = 1; n <= 17; n++)
        {
            List<Hash32> items = Items(n);
            Hash32 root = MerkleTree.ComputeRoot(items);
            for (int i = 0; i < n; i++)
            {
                MerkleProof proof = MerkleTree.CreateProof(items, i);
                Assert.False(proof.Verify(Hash32.Compute("not in the tree"u8), root), $"n={n} i={i}: wrong leaf");
                Assert.False(proof.Verify(items[i], Hash32.Compute("another root"u8)), $"n={n} i={i}: wrong root");
                Assert.False(proof.Verify(MerkleTree.HashLeaf(items[i]), root), $"n={n} i={i}: leaf hash given as item");
                if (n > 1)
                {
                    Assert.False(proof.Verify(items[(i + 1) % n], root), $"n={n} i={i}: neighbour's leaf");
                    Assert.False((proof with { Index = (i + 1) % n }).Verify(items[i], root), $"n={n} i={i}: wrong index");
                }

                Assert.True(proof.Verify(items[i], root, leafCount: n));
                Assert.False((proof with { LeafCount = n + 1 }).Verify(items[i], root, leafCount: n), $"n={n} i={i}: wrong count");
                Assert.False(proof.Verify(items[i], root, leafCount: n + 1), $"n={n} i={i}: wrong trusted count");
                Assert.False((proof with { Index = -1 }).Verify(items[i], root));
                Assert.False((proof with { Index = n }).Verify(items[i], root));
                Assert.False((proof with { Siblings = [.. proof.Siblings, root] }).Verify(items[i], root), $"n={n} i={i}: extra sibling");
                if (proof.Siblings.Count > 0)
                {
                    Assert.False((proof with { Siblings = [.. proof.Siblings.Skip(1)] }).Verify(items[i], root), $"n={n} i={i}: missing sibling");
                }
            }
        }
    }

    [Fact]
    public void Only_a_trusted_leaf_count_pins_the_position()
    {
        // [a, b, c]: the root is node(node(a, b), c). A proof that claims "c is leaf 1 of 2" with sibling node(a, b) hashes to
        // the same root, so the count in the proof alone cannot be trusted for the index; membership itself still holds.
        List<Hash32> items = Items(3);
        Hash32 root = MerkleTree.ComputeRoot(items);
        Hash32 leftSubtree = MerkleTree.HashNode(MerkleTree.HashLeaf(items[0]), MerkleTree.HashLeaf(items[1]));
        var forged = new MerkleProof(Index: 1, LeafCount: 2, Siblings: [leftSubtree]);

        Assert.True(forged.Verify(items[2], root));
        Assert.False(forged.Verify(items[2], root, leafCount: 3));
    }

    [Fact]
    public void Proofs_are_refused_for_indexes_outside_the_tree()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => MerkleTree.CreateProof(Items(3), 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => MerkleTree.CreateProof(Items(3), -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => MerkleTree.CreateProof([], 0));
    }

    [Fact]
    public void A_two_leaf_root_differs_from_a_single_leaf_holding_both_children()
    {
        // Without the 0x00/0x01 prefixes, H(left || right) would be both an inner node and a leaf of 64-byte data.
        List<Hash32> items = Items(2);
        byte[] children = [.. MerkleTree.HashLeaf(items[0]).ToArray(), .. MerkleTree.HashLeaf(items[1]).ToArray()];

        Hash32 twoLeafRoot = MerkleTree.ComputeRoot(items);
        Assert.NotEqual(twoLeafRoot, Hash32.Compute([0, .. children]));
        Assert.NotEqual(twoLeafRoot, Hash32.Compute(children));
        Assert.Equal(twoLeafRoot, MerkleTree.HashNode(MerkleTree.HashLeaf(items[0]), MerkleTree.HashLeaf(items[1])));

        // Nor can a root pose as an item one level down.
        Assert.NotEqual(twoLeafRoot, MerkleTree.ComputeRoot([twoLeafRoot]));
    }

    [Fact]
    public void Duplicating_the_last_leaf_changes_the_root()
    {
        // CVE-2012-2459: when an odd node is paired with itself, [a, b, c] and [a, b, c, c] share a root.
        List<Hash32> items = Items(3);
        Assert.NotEqual(MerkleTree.ComputeRoot(items), MerkleTree.ComputeRoot([.. items, items[2]]));
        Assert.NotEqual(MerkleTree.ComputeRoot(Items(5)), MerkleTree.ComputeRoot([.. Items(5), .. Items(6)[4..]]));
        Assert.NotEqual(MerkleTree.ComputeRoot(items), MerkleTree.ComputeRoot([items[1], items[0], items[2]]));
    }

    [Fact]
    public void Leaf_and_node_hashes_are_SHA256_of_the_prefix_and_the_input()
    {
        Hash32 a = Hash32.Compute("a"u8);
        Hash32 b = Hash32.Compute("b"u8);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData([0, .. a.ToArray()])), MerkleTree.HashLeaf(a).ToString());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData([1, .. a.ToArray(), .. b.ToArray()])), MerkleTree.HashNode(a, b).ToString());
    }

    [Fact]
    public void A_block_sized_tree_is_correct_and_its_last_proof_verifies()
    {
        List<Hash32> items = [.. Enumerable.Range(0, 10_001).Select(i => Hash32.Compute(BitConverter.GetBytes(i)))];
        Hash32 root = MerkleTree.ComputeRoot(items);
        Assert.Equal(ReferenceRoot(items), root);
        Assert.True(MerkleTree.CreateProof(items, 10_000).Verify(items[10_000], root));
        Assert.True(MerkleTree.CreateProof(items, 4_321).Verify(items[4_321], root));
    }

    /// <summary>The definition written as plainly as possible: a new list per level.</summary>
    private static Hash32 ReferenceRoot(List<Hash32> items)
    {
        if (items.Count == 0)
        {
            return Hash32.Zero;
        }

        List<Hash32> level = [.. items.Select(item => Hash32.Compute([0, .. item.ToArray()]))];
        while (level.Count > 1)
        {
            List<Hash32> next = [];
            for (int i = 0; i < level.Count; i += 2)
            {
                next.Add(i + 1 < level.Count ? Hash32.Compute([1, .. level[i].ToArray(), .. level[i + 1].ToArray()]) : level[i]);
            }

            level = next;
        }

        return level[0];
    }

    /// <summary>How many levels give leaf <paramref name="index"/> a sibling (an odd last node is promoted without one).</summary>
    private static int ExpectedDepth(int count, int index)
    {
        int depth = 0;
        for (; count > 1; count = (count + 1) / 2, index /= 2)
        {
            if ((index ^ 1) < count)
            {
                depth++;
            }
        }

        return depth;
    }
}
