using Aegis.Core.Crypto;

namespace Aegis.Core.State.Commitment;

/// <summary>
/// What applying one block's changes to the tree produced: the new root, the nodes to insert, and the nodes no longer
/// reachable from the new root (still reachable from older roots until pruned). The store writes it in the block's
/// transaction; until then the tree in the store is the one under the previous root, untouched.
/// </summary>
public sealed record TreeUpdate(Hash32 Root, IReadOnlyList<TreeNode> NewNodes, IReadOnlyList<Hash32> StaleNodes);
