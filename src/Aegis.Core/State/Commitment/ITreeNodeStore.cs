using Aegis.Core.Crypto;

namespace Aegis.Core.State.Commitment;

/// <summary>
/// Read access to the state tree's nodes by name (their hash). The node's store implements it over a content-addressed
/// node table (hash → <see cref="TreeNode.ToBytes"/>), decoding with <see cref="TreeNode.FromBytes"/> so that an altered
/// row is refused at the read.
/// </summary>
/// <remarks>
/// Synchronous on purpose: the tree is pure code that walks a few dozen nodes per key, and the hot path's nodes are
/// cached by the caller; an engine whose reads are remote loads the paths a block touches before executing it.
/// </remarks>
public interface ITreeNodeReader
{
    /// <summary>The node named <paramref name="hash"/> (never <see cref="Hash32.Zero"/>, the empty subtree).</summary>
    /// <exception cref="MissingTreeNodeException">the store does not hold it: the tree below a root it claims is incomplete.</exception>
    TreeNode Get(Hash32 hash);
}

/// <summary>
/// What a store does with a <see cref="TreeUpdate"/>, in the same transaction as the block that produced it: insert the
/// new nodes, and remember the stale ones with the version that made them stale, so that a pruner can delete them once
/// no retained root needs them.
/// </summary>
/// <remarks>
/// Content addressing means a node that became stale can come back (a key set back to an earlier value recreates
/// the same leaf). So inserting a node must also clear any stale mark it carries, and pruning deletes only nodes still
/// marked stale at a version below the oldest retained root.
/// </remarks>
public interface ITreeNodeStore : ITreeNodeReader
{
    void Apply(TreeUpdate update, ulong version);
}

public sealed class MissingTreeNodeException(Hash32 hash)
    : Exception($"state tree node {hash} is not in the store: the tree under this root is incomplete or was pruned")
{
    public Hash32 Hash { get; } = hash;
}
