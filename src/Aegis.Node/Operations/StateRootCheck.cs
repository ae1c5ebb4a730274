using System.Diagnostics;
using Aegis.Core.Crypto;
using Aegis.Core.State.Commitment;
using Aegis.Storage;
using Aegis.Storage.Export;

namespace Aegis.Node.Operations;

/// <summary>
/// The start-time check of the state: the key-value table, read in one snapshot with the tip, is rebuilt into a state
/// tree (<see cref="StateTree.Build"/>) whose root must be the tip's state root — the root
/// <see cref="RecentHistoryCheck"/> found stored with the tip block and, <c>pipeline_depth</c> blocks later, named in a
/// certified header (the roots of the newest <c>pipeline_depth</c> blocks are certified only once the next blocks
/// commit). A value rewritten in place (with the sqlite3 CLI, say) changes the rebuilt root; the check then walks the
/// store's own tree under the tip's root to name the key and the height that last wrote it.
/// <para>
/// What it does not check: the tree nodes of older roots (proofs served from them are checked by the client), and the
/// tx index (<c>aegis verify</c> does). Cost: one pass over the key-value table and the hashing of a whole tree
/// (about two SHA-256 per key); measured in the README ("Integrity checks").
/// </para>
/// </summary>
public static class StateRootCheck
{
    /// <exception cref="ChainCorruptException">the state does not hash to the tip's state root: the height and the key.</exception>
    public static async Task<TimeSpan> RunAsync(IStoreSnapshots snapshots, ITreeNodeReader nodes, CancellationToken ct)
    {
        long started = Stopwatch.GetTimestamp();
        await using IStoreSnapshot snapshot = await snapshots.OpenSnapshotAsync(ct);
        ChainTip tip = snapshot.Tip;
        var entries = new List<KeyValuePair<byte[], byte[]>>();
        var heights = new List<ulong>();
        await foreach (KvEntry e in snapshot.ReadStateAsync(ct))
        {
            entries.Add(new(e.Key, e.Value));
            heights.Add(e.Height);
        }

        Hash32 rebuilt = StateTree.Build(entries).Root;
        if (rebuilt != tip.StateRoot)
        {
            (ulong height, string reason) = Difference(nodes, tip, entries, heights) ?? (tip.Height, "the key-value table");
            throw new ChainCorruptException(height, $"{reason}: the key-value table hashes to state root {rebuilt.ToShortString()}, but the tip (height {tip.Height}) says {tip.StateRoot.ToShortString()}");
        }

        return Stopwatch.GetElapsedTime(started);
    }

    /// <summary>Names the first key whose stored value the store's tree under the tip's root does not hold, at the height that last wrote it; null when the tree cannot tell.</summary>
    private static (ulong Height, string Reason)? Difference(ITreeNodeReader nodes, ChainTip tip, List<KeyValuePair<byte[], byte[]>> entries, List<ulong> heights)
    {
        var tree = new Dictionary<Hash32, Hash32>();
        try
        {
            foreach (TreeNode leaf in StateTree.Leaves(nodes, tip.StateRoot))
            {
                tree[leaf.KeyHash] = leaf.ValueHash;
            }
        }
        catch (Exception ex) when (ex is MissingTreeNodeException or Aegis.Core.Encoding.CodecException or StorageException)
        {
            return null;
        }

        for (int i = 0; i < entries.Count; i++)
        {
            (byte[] key, byte[] value) = (entries[i].Key, entries[i].Value);
            if (!tree.Remove(Hash32.Compute(key), out Hash32 valueHash))
            {
                return (heights[i], $"key {ChainReplay.Show(key)} (recorded as written at height {heights[i]}) is not in the state the tip's root commits to");
            }

            if (valueHash != Hash32.Compute(value))
            {
                return (heights[i], $"the value of key {ChainReplay.Show(key)} (recorded as written at height {heights[i]}) is not the one the tip's state root commits to");
            }
        }

        return tree.Count > 0 ? (tip.Height, $"{tree.Count} key(s) of the state the tip's root commits to are missing from the key-value table") : null;
    }
}
