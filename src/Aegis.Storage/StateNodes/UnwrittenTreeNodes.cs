using Aegis.Core.Consensus;
using Aegis.Core.Crypto;
using Aegis.Core.State.Commitment;

namespace Aegis.Storage.StateNodes;

/// <summary>
/// The state tree as execution must see it when it runs ahead of the writer: the new nodes and roots of
/// executed-but-unwritten blocks in front of the store's committed nodes. Execution of block h + 1 reads the tree under
/// block h's root, whose new nodes the writer may not have stored yet. One owner (an event loop); not thread-safe.
/// </summary>
/// <remarks>
/// Every node a block creates carries the block's height as its version, so its row key is unique and a block's nodes
/// are dropped as a whole once it is written. A root is dropped only when the highest unwritten block that produced it
/// is written (two blocks can reach the same root, a state set back to an earlier one).
/// </remarks>
public sealed class UnwrittenTreeNodes(ITreeNodeReader store) : ITreeNodeReader
{
    private readonly Dictionary<NodeRef, TreeNode> _nodes = [];
    private readonly Dictionary<Hash32, (NodeRef Root, ulong Height)> _roots = [];
    private readonly Queue<(ulong Height, TreeUpdate Update)> _blocks = new();
    private ulong _lastHeight;

    /// <summary>Nodes held for blocks not yet written.</summary>
    public int Count => _nodes.Count;

    public TreeNode Get(NodeRef at) => _nodes.TryGetValue(at, out TreeNode? held) ? held : store.Get(at);

    public NodeRef FindRoot(Hash32 root) => _roots.TryGetValue(root, out (NodeRef Root, ulong Height) held) ? held.Root : store.FindRoot(root);

    /// <summary>Block <paramref name="height"/> was executed: its new nodes and root are readable until it is written.</summary>
    public void Add(ulong height, TreeUpdate update)
    {
        ArgumentNullException.ThrowIfNull(update);
        InvariantViolationException.Assert(height > _lastHeight, () => $"state tree overlay: block {height} executed after block {_lastHeight}; blocks execute in height order");
        _lastHeight = height;
        foreach (TreeNode node in update.NewNodes)
        {
            _nodes.Add(node.Ref, node);
        }

        if (!update.Root.IsZero)
        {
            _roots[update.Root] = (update.RootRef, height);
        }

        _blocks.Enqueue((height, update));
    }

    /// <summary>The writer stored every block up to <paramref name="writtenHeight"/>: the store answers for their nodes now.</summary>
    public void ForgetUpTo(ulong writtenHeight)
    {
        while (_blocks.TryPeek(out (ulong Height, TreeUpdate Update) b) && b.Height <= writtenHeight)
        {
            _blocks.Dequeue();
            foreach (TreeNode node in b.Update.NewNodes)
            {
                _nodes.Remove(node.Ref);
            }

            if (_roots.TryGetValue(b.Update.Root, out (NodeRef Root, ulong Height) held) && held.Height <= writtenHeight)
            {
                _roots.Remove(b.Update.Root);
            }
        }
    }
}
