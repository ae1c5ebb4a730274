using Aegis.Core.Crypto;

namespace Aegis.Core.State.Commitment;

/// <summary>
/// What applying one block's changes to the tree produced: the new root (and the version of the node that is it), the
/// nodes to insert (all at the block's version), and the stored nodes no longer reachable from the new root (still
/// reachable from older roots until pruned). The store writes it in the block's transaction; until then the tree in
/// the store is the one under the previous root, untouched.
/// </summary>
public sealed record TreeUpdate(Hash32 Root, ulong RootVersion, IReadOnlyList<TreeNode> NewNodes, IReadOnlyList<NodeRef> StaleNodes)
{
    public NodeRef RootRef => new(Root, RootVersion);

    /// <summary>True when the tree changed: the store records the root, and logs the stale nodes.</summary>
    public bool Changed => NewNodes.Count > 0 || StaleNodes.Count > 0;

    /// <summary>A block's update that leaves the tree as it is (or one whose tree is not stored: a snapshot's lower blocks).</summary>
    public static TreeUpdate Unchanged(Hash32 root) => new(root, 0, [], []);
}
