using Aegis.Core.Crypto;

namespace Aegis.Core.State.Commitment;

/// <summary>Where a snapshot chunk sits: the first <paramref name="Depth"/> bits of <paramref name="Path"/>.</summary>
public readonly record struct ChunkLocation(Hash32 Path, int Depth);

/// <summary>
/// Cuts the state under a root into <see cref="SnapshotChunk"/>s: one per non-empty subtree at a fixed depth, or the
/// leaf above it where a subtree holds one key. Key hashes are uniform, so a depth of log2(entries / target) gives
/// chunks of about the target size.
/// </summary>
public static class StateSnapshot
{
    /// <summary>The chunk depth for about <paramref name="targetEntries"/> entries per chunk; at most 20 (a million chunks).</summary>
    public static int ChooseDepth(long entryCount, int targetEntries)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(targetEntries, 1);
        int depth = 0;
        while (depth < 20 && (entryCount >> depth) > targetEntries)
        {
            depth++;
        }

        return depth;
    }

    /// <summary>Every chunk of the state under <paramref name="root"/> at <paramref name="depth"/>, in key-hash order.</summary>
    public static IReadOnlyList<ChunkLocation> Plan(ITreeNodeReader nodes, Hash32 root, int depth)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentOutOfRangeException.ThrowIfNegative(depth);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(depth, StateHashing.MaxDepth);
        var plan = new List<ChunkLocation>();
        Walk(nodes, StateTree.RootRef(nodes, root), Hash32.Zero, 0, depth, plan);
        return plan;
    }

    /// <summary>The chunk at <paramref name="location"/> of the state under <paramref name="root"/>.</summary>
    /// <exception cref="ArgumentException">no subtree of this state sits there.</exception>
    public static SnapshotChunk CreateChunk(ITreeNodeReader nodes, Hash32 root, ChunkLocation location)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        var siblings = new List<Hash32>(location.Depth);
        NodeRef at = StateTree.RootRef(nodes, root);
        for (int d = 0; d < location.Depth; d++)
        {
            TreeNode node = at.IsEmpty ? throw new ArgumentException($"no subtree at depth {location.Depth} on this path", nameof(location)) : nodes.Get(at);
            if (node.Kind == TreeNodeKind.Leaf)
            {
                throw new ArgumentException($"the path ends on a leaf at depth {d}, above {location.Depth}", nameof(location));
            }

            bool right = StateHashing.Bit(location.Path, d) == 1;
            siblings.Add(right ? node.Left : node.Right);
            at = right ? node.RightRef : node.LeftRef;
        }

        if (at.IsEmpty)
        {
            throw new ArgumentException("the subtree at this location is empty", nameof(location));
        }

        var entries = StateTree.Leaves(nodes, at).Select(l => new KeyValuePair<byte[], byte[]>(l.Key, l.Value)).ToList();
        return new SnapshotChunk(location.Path, location.Depth, entries, siblings);
    }

    private static void Walk(ITreeNodeReader nodes, NodeRef at, Hash32 path, int depth, int target, List<ChunkLocation> plan)
    {
        if (at.IsEmpty)
        {
            return;
        }

        TreeNode node = nodes.Get(at);
        if (node.Kind == TreeNodeKind.Leaf || depth == target)
        {
            plan.Add(new ChunkLocation(path, depth));
            return;
        }

        Walk(nodes, node.LeftRef, path, depth + 1, target, plan);
        Walk(nodes, node.RightRef, StateHashing.WithBit(path, depth), depth + 1, target, plan);
    }
}
