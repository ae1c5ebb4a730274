using Aegis.Core.Crypto;

namespace Aegis.Core.Tests.Crypto;

public class MerkleTreeTests
{
    private static List<Hash32> Items(int n) => [.. Enumerable.Range(0, n).Select(i => Hash32.Compute(BitConverter.GetBytes(i)))];

    [Fact]
    public void Every_proof_verifies_for_trees_of_every_size_up_to_33()
    {
        Assert.Equal(Hash32.Zero, MerkleTree.ComputeRoot([]));
        for (int n = 1; n <= 33; n++)
        {
            List<Hash32> items = Items(n);
            Hash32 root = MerkleTree.ComputeRoot(items);
            for (int i = 0; i < n; i++)
            {
                MerkleProof proof = MerkleTree.CreateProof(items, i);
                Assert.True(proof.Verify(items[i], root), $"n={n} i={i}");
                Assert.False(proof.Verify(items[(i + 1) % n], root) && n > 1, $"n={n} i={i}: wrong leaf accepted");
                Assert.False(proof.Verify(items[i], Hash32.Compute([1])));
                Assert.False((proof with { Index = (i + 1) % n }).Verify(items[i], root) && n > 1 && items[i] != items[(i + 1) % n], $"n={n} i={i}: wrong index accepted");
            }
        }
    }

    [Fact]
    public void Roots_depend_on_order_and_count_and_a_leaf_cannot_pose_as_a_node()
    {
        List<Hash32> items = Items(3);
        Assert.NotEqual(MerkleTree.ComputeRoot(items), MerkleTree.ComputeRoot([items[1], items[0], items[2]]));

        // Duplicating the last leaf changes the root (no CVE-2012-2459 ambiguity).
        Assert.NotEqual(MerkleTree.ComputeRoot(items), MerkleTree.ComputeRoot([.. items, items[2]]));

        // A one-leaf tree whose item is an inner node's hash differs from the two-leaf tree.
        Hash32 twoLeafRoot = MerkleTree.ComputeRoot(Items(2));
        Assert.NotEqual(twoLeafRoot, MerkleTree.ComputeRoot([twoLeafRoot]));
        Assert.NotEqual(items[0], MerkleTree.ComputeRoot([items[0]]));
    }
}
