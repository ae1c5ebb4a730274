using Aegis.Core.Crypto;
using Aegis.Core.Encoding;
using Aegis.Core.State;
using Aegis.Core.State.Commitment;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Aegis.Core.Tests.State;

/// <summary>
/// The state tree's claims as properties over generated states. Keys are drawn from a small alphabet so that generated
/// blocks overwrite, delete and re-insert the same keys often; the oracle is <see cref="StateTree.Build"/> from the
/// model dictionary, computed by the plain recursive definition (<c>StateTree.SubtreeHash</c>, what chunk verification uses),
/// which shares nothing with the incremental update but the hash functions.
/// </summary>
public class StateTreePropertyTests
{
    private static byte[] K(byte k) => [(byte)'k', k];

    /// <summary>A generated state: key byte → value (null deletes, in a change list).</summary>
    private static Dictionary<byte, byte[]> Model(IEnumerable<(byte Key, byte[] Value)> entries)
    {
        var model = new Dictionary<byte, byte[]>();
        foreach ((byte key, byte[] value) in entries)
        {
            model[key] = value ?? [];
        }

        return model;
    }

    private static Hash32 Oracle(Dictionary<byte, byte[]> model)
    {
        var leaves = model.Select(e => (Key: StateHashing.KeyHash(K(e.Key)), Leaf: StateHashing.Leaf(StateHashing.KeyHash(K(e.Key)), StateHashing.ValueHash(e.Value))))
            .OrderBy(l => l.Key).ToList();
        return StateTree.SubtreeHash([.. leaves.Select(l => l.Key)], [.. leaves.Select(l => l.Leaf)], 0);
    }

    private static (InMemoryTreeNodeStore Store, Hash32 Root) Apply(IEnumerable<IEnumerable<StateChange>> blocks)
    {
        var store = new InMemoryTreeNodeStore();
        Hash32 root = StateTree.EmptyRoot;
        ulong version = 0;
        foreach (IEnumerable<StateChange> block in blocks)
        {
            TreeUpdate update = StateTree.Update(store, root, [.. block], ++version);
            store.Apply(update, version);
            root = update.Root;
        }

        return (store, root);
    }

    [Property(MaxTest = 200)]
    public bool The_root_is_independent_of_insertion_order_and_batching((byte Key, byte[] Value)[] entries, int seed)
    {
        Dictionary<byte, byte[]> model = Model(entries);
        var shuffled = model.OrderBy(_ => 0).ToList();
        new Random(seed).Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(shuffled));

        // One key per block, in a random order, versus everything in one block.
        var oneByOne = Apply(shuffled.Select(e => new[] { new StateChange(K(e.Key), e.Value) }));
        var together = Apply([shuffled.Select(e => new StateChange(K(e.Key), e.Value))]);
        Hash32 expected = Oracle(model);
        return oneByOne.Root == expected && together.Root == expected && (model.Count == 0) == expected.IsZero;
    }

    [Property(MaxTest = 200)]
    public bool A_sequence_of_blocks_with_puts_and_deletes_matches_the_oracle_after_every_block((byte Key, byte[]? Value)[][] blocks)
    {
        var store = new InMemoryTreeNodeStore();
        Hash32 root = StateTree.EmptyRoot;
        var model = new Dictionary<byte, byte[]>();
        ulong version = 0;
        foreach ((byte Key, byte[]? Value)[] block in blocks.Where(b => b is not null))
        {
            // A block names each key once: its last write wins, as in BlockExecutor.
            var last = new Dictionary<byte, byte[]?>();
            foreach ((byte key, byte[]? value) in block)
            {
                last[key] = value;
            }

            TreeUpdate update = StateTree.Update(store, root, [.. last.Select(e => new StateChange(K(e.Key), e.Value))], ++version);
            store.Apply(update, version);
            root = update.Root;
            foreach ((byte key, byte[]? value) in last)
            {
                if (value is null)
                {
                    model.Remove(key);
                }
                else
                {
                    model[key] = value;
                }
            }

            if (root != Oracle(model))
            {
                return false;
            }

            for (int k = 0; k < 256; k += 17)
            {
                byte[]? got = StateTree.Get(store, root, K((byte)k));
                byte[]? want = model.GetValueOrDefault((byte)k);
                if ((got is null) != (want is null) || (got is not null && !got.AsSpan().SequenceEqual(want)))
                {
                    return false;
                }
            }
        }

        return true;
    }

    [Property(MaxTest = 200)]
    public bool Deleting_keys_gives_the_root_of_the_remaining_state_and_deleting_all_gives_the_empty_root((byte Key, byte[] Value)[] entries, byte[] deleteMask)
    {
        Dictionary<byte, byte[]> model = Model(entries);
        var (store, root) = Apply([model.Select(e => new StateChange(K(e.Key), e.Value))]);
        var doomed = model.Keys.Where((k, i) => deleteMask is { Length: > 0 } && (deleteMask[i % deleteMask.Length] & 1) == 1).ToList();
        TreeUpdate afterDelete = StateTree.Update(store, root, [.. doomed.Select(k => new StateChange(K(k), null))], 2);
        store.Apply(afterDelete, 2);
        foreach (byte k in doomed)
        {
            model.Remove(k);
        }

        TreeUpdate deleteAll = StateTree.Update(store, afterDelete.Root, [.. model.Keys.Select(k => new StateChange(K(k), null))], 3);
        return afterDelete.Root == Oracle(model) && deleteAll.Root == StateTree.EmptyRoot;
    }

    [Property(MaxTest = 200)]
    public bool Proofs_verify_for_every_present_key_and_for_absent_keys((byte Key, byte[] Value)[] entries)
    {
        Dictionary<byte, byte[]> model = Model(entries);
        var (store, root) = Apply([model.Select(e => new StateChange(K(e.Key), e.Value))]);
        for (int k = 0; k < 256; k++)
        {
            byte[] key = K((byte)k);
            StateProof proof = StateProof.FromBytes(StateTree.Prove(store, root, key, out byte[]? value).ToBytes());
            bool present = model.TryGetValue((byte)k, out byte[]? expected);
            if (present != (value is not null) || (present && !value!.AsSpan().SequenceEqual(expected)))
            {
                return false;
            }

            // The honest claim verifies; the opposite claim does not.
            if (proof.Verify(root, key, value ?? [], present) is not null || proof.Verify(root, key, value ?? [], !present) is null)
            {
                return false;
            }
        }

        return true;
    }

    [Property(MaxTest = 60)]
    public bool Any_altered_byte_of_a_proof_or_of_the_value_fails_verification((byte Key, byte[] Value)[] entries, byte probe, byte flip)
    {
        Dictionary<byte, byte[]> model = Model(entries);
        var (store, root) = Apply([model.Select(e => new StateChange(K(e.Key), e.Value))]);
        byte[] key = K(probe);
        byte[] bytes = StateTree.Prove(store, root, key, out byte[]? value).ToBytes();
        byte mask = flip == 0 ? (byte)1 : flip;
        bool present = value is not null;
        for (int i = 0; i < bytes.Length; i++)
        {
            byte[] altered = (byte[])bytes.Clone();
            altered[i] ^= mask;
            if (Decodes(altered) is { } forged && forged.Verify(root, key, value ?? [], present) is null)
            {
                return false;
            }
        }

        if (value is not null)
        {
            for (int i = 0; i < value.Length; i++)
            {
                byte[] other = (byte[])value.Clone();
                other[i] ^= mask;
                if (StateProof.FromBytes(bytes).Verify(root, key, other, present: true) is null)
                {
                    return false;
                }
            }

            // A longer or shorter value is another value too.
            if (StateProof.FromBytes(bytes).Verify(root, key, [.. value, 0], present: true) is null)
            {
                return false;
            }
        }

        // The proof of one key says nothing about its neighbour's key.
        byte[] otherKey = K(unchecked((byte)(probe + 1)));
        bool neighbourRefused = StateProof.FromBytes(bytes).Verify(root, otherKey, value ?? [], present) is not null;

        // Unless both are absent from the same empty subtree or behind the same other leaf: then it is the same walk.
        bool sameWalk = !present && StateTree.Prove(store, root, otherKey, out _).ToBytes().AsSpan().SequenceEqual(bytes);
        return neighbourRefused || sameWalk;
    }

    private static StateProof? Decodes(byte[] bytes)
    {
        try
        {
            return StateProof.FromBytes(bytes);
        }
        catch (CodecException)
        {
            return null;
        }
    }

    [Property(MaxTest = 100)]
    public bool Old_roots_stay_readable_until_pruned_and_the_current_root_survives_pruning((byte Key, byte[] Value)[] first, (byte Key, byte[] Value)[] second)
    {
        Dictionary<byte, byte[]> a = Model(first);
        var store = new InMemoryTreeNodeStore();
        TreeUpdate u1 = StateTree.Update(store, StateTree.EmptyRoot, [.. a.Select(e => new StateChange(K(e.Key), e.Value))], 1);
        store.Apply(u1, 1);
        Dictionary<byte, byte[]> b = Model(second);
        TreeUpdate u2 = StateTree.Update(store, u1.Root, [.. b.Select(e => new StateChange(K(e.Key), e.Value))], 2);
        store.Apply(u2, 2);

        bool oldReadable = a.All(e => StateTree.Get(store, u1.Root, K(e.Key)) is { } v && v.AsSpan().SequenceEqual(e.Value));
        store.PruneStaleUpTo(2);

        // After pruning, the whole current tree is present (every leaf reachable) and nothing unreachable is left.
        int reachable = CountReachable(store, StateTree.RootRef(store, u2.Root));
        return oldReadable && reachable == store.Count && StateTree.Leaves(store, u2.Root).Count() == a.Keys.Union(b.Keys).Count();
    }

    private static int CountReachable(ITreeNodeReader store, NodeRef root)
    {
        if (root.IsEmpty)
        {
            return 0;
        }

        TreeNode node = store.Get(root);
        return node.Kind == TreeNodeKind.Leaf ? 1 : 1 + CountReachable(store, node.LeftRef) + CountReachable(store, node.RightRef);
    }

    [Property(MaxTest = 100)]
    public bool Every_snapshot_chunk_verifies_alone_and_together_they_rebuild_the_root((byte Key, byte[] Value)[] entries, byte depthSeed)
    {
        Dictionary<byte, byte[]> model = Model(entries);
        var (store, root) = Apply([model.Select(e => new StateChange(K(e.Key), e.Value))]);
        int depth = depthSeed % 6;
        var chunks = StateSnapshot.Plan(store, root, depth).Select(l => SnapshotChunk.FromBytes(StateSnapshot.CreateChunk(store, root, l).ToBytes())).ToList();
        if (chunks.Any(c => c.Verify(root) is not null))
        {
            return false;
        }

        TreeUpdate rebuilt = StateTree.Build(chunks.SelectMany(c => c.Entries));
        return rebuilt.Root == root && chunks.Sum(c => c.Entries.Count) == model.Count;
    }
}
