using Aegis.Core.Consensus;
using Aegis.Core.Crypto;
using Aegis.Core.State.Commitment;

namespace Aegis.Storage.StateNodes;

/// <summary>
/// The state tree as execution must see it when it runs ahead of the writer: the new nodes of executed-but-unwritten
/// blocks in front of the store's committed nodes. Execution of block h + 1 reads the tree under block h's root, whose
/// new nodes the writer may not have stored yet. One owner (an event loop); not thread-safe.
/// </summary>
/// <remarks>
/// A node is dropped only once the highest unwritten block that created it is written: content addressing means two
/// blocks can create the same node (a key set back to an earlier value), and the later one's copy is what the next
/// block reads.
/// </remarks>
public sealed class UnwrittenTreeNodes(ITreeNodeReader store) : ITreeNodeReader
{
    private readonly Dictionary<Hash32, (TreeNode Node, ulong Height)> _nodes = [];
    private readonly Queue<(ulong Height, IReadOnlyList<TreeNode> Nodes)> _blocks = new();
    private ulong _lastHeight;

    /// <summary>Nodes held for blocks not yet written.</summary>
    public int Count => _nodes.Count;

    public TreeNode Get(Hash32 hash) => _nodes.TryGetValue(hash, out (TreeNode Node, ulong Height) held) ? held.Node : store.Get(hash);

    /// <summary>Block <paramref name="height"/> was executed: its new nodes are readable until it is written.</summary>
    public void Add(ulong height, TreeUpdate update)
    {
        ArgumentNullException.ThrowIfNull(update);
        InvariantViolationException.Assert(height > _lastHeight, () => $"state tree overlay: block {height} executed after block {_lastHeight}; blocks execute in height order");
        _lastHeight = height;
        foreach (TreeNode node in update.NewNodes)
        {
            _nodes[node.Hash] = (node, height);
        }

        _blocks.Enqueue((height, update.NewNodes));
    }

    /// <summary>The writer stored every block up to <paramref name="writtenHeight"/>: the store answers for their nodes now.</summary>
    public void ForgetUpTo(ulong writtenHeight)
    {
        while (_blocks.TryPeek(out (ulong Height, IReadOnlyList<TreeNode> Nodes) b) && b.Height <= writtenHeight)
        {
            _blocks.Dequeue();
            foreach (TreeNode node in b.Nodes)
            {
                if (_nodes.TryGetValue(node.Hash, out (TreeNode Node, ulong Height) held) && held.Height <= writtenHeight)
                {
                    _nodes.Remove(node.Hash);
                }
            }
        }
    }
}
