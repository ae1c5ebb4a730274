using Aegis.Core.Crypto;

namespace Aegis.Core.State.Commitment;

/// <summary>
/// Read access to the state tree's stored nodes by row key (<see cref="NodeRef"/>: version and hash). A store decodes
/// with <see cref="TreeNode.FromBytes"/>, so that an altered row is refused at the read. Every walk starts at a root,
/// found by its hash (<see cref="FindRoot"/>), and follows the child versions each inner node stores.
/// </summary>
/// <remarks>
/// Synchronous on purpose: the tree is pure code that walks a few dozen nodes per key, and the hot path's nodes are
/// cached by the caller; an engine whose reads are remote loads the paths a block touches before executing it.
/// </remarks>
public interface ITreeNodeReader
{
    /// <summary>The node stored at <paramref name="at"/> (never <see cref="NodeRef.Empty"/>, the empty subtree).</summary>
    /// <exception cref="MissingTreeNodeException">the store does not hold it: the tree below a root it claims is incomplete.</exception>
    TreeNode Get(NodeRef at);

    /// <summary>
    /// The row of the newest stored node named <paramref name="root"/> that is a state root (never <see cref="Hash32.Zero"/>).
    /// The same root can be written at several versions (a state set back to an earlier one); any of them is the same tree.
    /// </summary>
    /// <exception cref="MissingTreeNodeException">no retained state has this root.</exception>
    NodeRef FindRoot(Hash32 root);
}

/// <summary>
/// What a store does with a <see cref="TreeUpdate"/>, in the same transaction as the block that produced it: insert the
/// new nodes under (version, hash), append the stale ones to a log under the version that made them stale, and record
/// the new root, so that a pruner can delete the logged nodes once no retained root needs them.
/// </summary>
/// <remarks>
/// A node is never updated in place: a node that comes back (a key set back to an earlier value) is a new row at the
/// new version, so the log can never name a node that is live again, and pruning needs no check.
/// </remarks>
public interface ITreeNodeStore : ITreeNodeReader
{
    /// <summary>Writes <paramref name="update"/>, whose new nodes all carry <paramref name="version"/>.</summary>
    void Apply(TreeUpdate update, ulong version);
}

public sealed class MissingTreeNodeException : Exception
{
    public MissingTreeNodeException(NodeRef at)
        : base($"state tree node {at.Hash} (version {at.Version}) is not in the store: the tree under this root is incomplete or was pruned") => Hash = at.Hash;

    public MissingTreeNodeException(Hash32 root)
        : base($"state root {root} is not in the store: that state was pruned or never held") => Hash = root;

    public Hash32 Hash { get; }
}
