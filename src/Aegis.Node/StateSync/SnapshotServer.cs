using Aegis.Core.Crypto;
using Aegis.Core.State.Commitment;
using Aegis.Network;

namespace Aegis.Node.StateSync;

/// <summary>
/// Answers a joiner's <see cref="SnapshotPartRequest"/> from the tree nodes this node retains: the whole subtree as a
/// chunk when it fits one part, otherwise a split naming its two children. Never trusts the request: a root or path this
/// node does not hold is answered "unavailable", never with an exception.
/// </summary>
public static class SnapshotServer
{
    /// <summary>Bytes one entry costs in a chunk beyond its key and value (the two length prefixes).</summary>
    private const int EntryOverhead = 6;

    public static SnapshotPart Answer(ITreeNodeReader nodes, SnapshotPartRequest request)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentNullException.ThrowIfNull(request);
        ChunkLocation location = request.Location;
        if (request.StateRoot.IsZero)
        {
            return SnapshotPart.Unavailable(request.RequestId, "the empty state has no parts");
        }

        if (StateHashing.Prefix(location.Path, location.Depth) != location.Path)
        {
            return SnapshotPart.Unavailable(request.RequestId, "the path has bits set beyond its depth");
        }

        try
        {
            NodeRef at = StateTree.RootRef(nodes, request.StateRoot);
            for (int d = 0; d < location.Depth; d++)
            {
                TreeNode above = nodes.Get(at);
                if (above.Kind == TreeNodeKind.Leaf)
                {
                    return SnapshotPart.Unavailable(request.RequestId, $"the path ends on a leaf at depth {d}, above {location.Depth}");
                }

                at = StateHashing.Bit(location.Path, d) == 1 ? above.RightRef : above.LeftRef;
                if (at.IsEmpty)
                {
                    return SnapshotPart.Unavailable(request.RequestId, $"the subtree at depth {d + 1} on this path is empty");
                }
            }

            TreeNode node = nodes.Get(at);
            return node.Kind == TreeNodeKind.Leaf || Fits(nodes, at)
                ? SnapshotPart.Of(request.RequestId, StateSnapshot.CreateChunk(nodes, request.StateRoot, location))
                : SnapshotPart.Split(request.RequestId, node.Left, node.Right);
        }
        catch (MissingTreeNodeException)
        {
            return SnapshotPart.Unavailable(request.RequestId, $"state root {request.StateRoot.ToShortString()} is not retained here (pruned, or never held)");
        }
    }

    /// <summary>True when the subtree's entries fit one part (reads at most one part's worth of leaves).</summary>
    private static bool Fits(ITreeNodeReader nodes, NodeRef subtree)
    {
        int count = 0;
        long bytes = 0;
        foreach (TreeNode leaf in StateTree.Leaves(nodes, subtree))
        {
            count++;
            bytes += leaf.Key.Length + leaf.Value.Length + EntryOverhead;
            if (count > SnapshotPart.MaxChunkEntries || bytes > SnapshotPart.MaxChunkBytes - (StateHashing.MaxDepth * Hash32.Size))
            {
                return false;
            }
        }

        return true;
    }
}
