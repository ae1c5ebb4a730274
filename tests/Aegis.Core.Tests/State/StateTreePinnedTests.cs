using Aegis.Core.Crypto;
using Aegis.Core.State;
using Aegis.Core.State.Commitment;

namespace Aegis.Core.Tests.State;

/// <summary>
/// The storage layout may change (schema 3 keyed nodes by version), the commitment may not: every state root, proof and
/// snapshot chunk of a fixed update sequence is folded into one digest, pinned from the content-addressed layout
/// (schema 2, commit 6f2d1965). Any change to what the tree commits to moves the digest.
/// </summary>
public class StateTreePinnedTests
{
    private const string PinnedDigest = "b316ff18864576b0f52a073087064b594cb0cc9de7975c915a53b2a02a8631bc";

    [Fact]
    public void Roots_proofs_and_chunks_of_a_fixed_sequence_are_those_of_the_content_addressed_layout()
    {
        var store = new InMemoryTreeNodeStore();
        Hash32 root = StateTree.EmptyRoot;
        using var digest = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        for (ulong height = 1; height <= 60; height++)
        {
            // Keys from a small space so blocks overwrite, delete and set keys back to earlier values.
            var changes = new Dictionary<int, byte[]?>();
            for (int i = 0; i < 25; i++)
            {
                byte[] r = Hash32.Compute(System.Text.Encoding.UTF8.GetBytes($"{height}/{i}")).ToArray();
                int key = (r[0] | (r[1] << 8)) % 400;
                changes[key] = r[2] % 5 == 0 ? null : System.Text.Encoding.UTF8.GetBytes($"v{r[3] % 3}");
            }

            TreeUpdate update = StateTree.Update(store, root, [.. changes.Select(c => new StateChange(Key(c.Key), c.Value))], height);
            store.Apply(update, height);
            store.PruneStaleUpTo(height > 3 ? height - 3 : 0);
            root = update.Root;
            digest.AppendData(root.ToArray());
            for (int k = 0; k < 400; k += 37)
            {
                digest.AppendData(StateTree.Prove(store, root, Key(k), out _).ToBytes());
            }

            if (height % 10 == 0)
            {
                foreach (ChunkLocation location in StateSnapshot.Plan(store, root, 3))
                {
                    digest.AppendData(StateSnapshot.CreateChunk(store, root, location).ToBytes());
                }
            }
        }

        Assert.Equal(PinnedDigest, Convert.ToHexStringLower(digest.GetHashAndReset()));
    }

    private static byte[] Key(int k) => System.Text.Encoding.UTF8.GetBytes($"key/{k}");
}
