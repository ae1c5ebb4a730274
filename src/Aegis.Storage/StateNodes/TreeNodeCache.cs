using Aegis.Core.Crypto;
using Aegis.Core.State.Commitment;

namespace Aegis.Storage.StateNodes;

/// <summary>
/// A bounded, thread-safe cache of decoded state tree nodes in front of an engine's node table. Rows are immutable
/// (a (version, hash) key is written once), so a cached node is never wrong; at worst it outlives its pruned row, which
/// only lets an old read succeed. Root lookups go to the store (one per block or proof). Two generations stand in for an LRU: a hit in the old generation is promoted, and when the young one
/// is full the old one is dropped. The upper levels of the tree are read by every block, so they stay young.
/// </summary>
/// <remarks>
/// Why: execution reads every node on the paths a block touches; the top ~16 levels (2^16 nodes, about 8 MB decoded)
/// are shared by all paths, and each of them would otherwise cost an engine read (a page fetch in SQLite, a round
/// trip in PostgreSQL) per block.
/// </remarks>
public sealed class TreeNodeCache(ITreeNodeReader store, int generationCapacity = TreeNodeCache.DefaultGenerationCapacity) : ITreeNodeReader
{
    /// <summary>
    /// 2^17 nodes per generation (~20 MB decoded): the top 17 levels of the tree, so the whole tree of a state up to
    /// ~50k keys and the upper levels of any larger one are read from memory.
    /// </summary>
    public const int DefaultGenerationCapacity = 1 << 17;

    private readonly Lock _lock = new();
    private Dictionary<NodeRef, TreeNode> _young = new(generationCapacity);
    private Dictionary<NodeRef, TreeNode> _old = [];

    public NodeRef FindRoot(Hash32 root) => store.FindRoot(root);

    public TreeNode Get(NodeRef at)
    {
        lock (_lock)
        {
            if (_young.TryGetValue(at, out TreeNode? node))
            {
                return node;
            }

            if (_old.Remove(at, out node))
            {
                Add(node);
                return node;
            }
        }

        // Outside the lock: an engine read may block, and two threads reading the same node both get the same bytes.
        TreeNode read = store.Get(at);
        lock (_lock)
        {
            Add(read);
        }

        return read;
    }

    /// <summary>Nodes the store was just given (a written block's new nodes): the next block reads most of them.</summary>
    public void AddRange(IEnumerable<TreeNode> nodes)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        lock (_lock)
        {
            foreach (TreeNode node in nodes)
            {
                Add(node);
            }
        }
    }

    private void Add(TreeNode node)
    {
        if (_young.Count >= generationCapacity)
        {
            _old = _young;
            _young = new Dictionary<NodeRef, TreeNode>(generationCapacity);
        }

        _young[node.Ref] = node;
    }
}
