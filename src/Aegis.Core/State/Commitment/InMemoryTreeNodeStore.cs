using Aegis.Core.Crypto;

namespace Aegis.Core.State.Commitment;

/// <summary>
/// The node table in memory, with the stale log and pruning rule of <see cref="ITreeNodeStore"/>: for tests, the
/// simulator and benchmarks, and the model the persistent stores follow (rows under (version, hash), an append-only
/// stale log, a root index).
/// </summary>
public sealed class InMemoryTreeNodeStore : ITreeNodeStore
{
    private readonly Dictionary<NodeRef, TreeNode> _nodes = [];
    private readonly Dictionary<Hash32, ulong> _roots = [];
    private readonly Queue<(ulong Since, NodeRef Node)> _stale = new();
    private ulong _lastVersion;

    public int Count => _nodes.Count;

    /// <summary>Entries in the stale log (nodes waiting to be pruned).</summary>
    public int StaleCount => _stale.Count;

    public TreeNode Get(NodeRef at) => _nodes.TryGetValue(at, out TreeNode? node) ? node : throw new MissingTreeNodeException(at);

    public NodeRef FindRoot(Hash32 root) => _roots.TryGetValue(root, out ulong version) ? new NodeRef(root, version) : throw new MissingTreeNodeException(root);

    public bool Contains(NodeRef at) => _nodes.ContainsKey(at);

    public void Apply(TreeUpdate update, ulong version)
    {
        ArgumentNullException.ThrowIfNull(update);
        if (!update.Changed)
        {
            return;
        }

        if (version < _lastVersion)
        {
            throw new InvalidOperationException($"state tree store: an update at version {version} after one at {_lastVersion}; versions only grow");
        }

        _lastVersion = version;

        foreach (TreeNode node in update.NewNodes)
        {
            if (node.Version != version || !_nodes.TryAdd(node.Ref, node))
            {
                throw new InvalidOperationException($"state tree store: node {node.Ref} in an update at version {version} is of another version or already stored");
            }
        }

        foreach (NodeRef stale in update.StaleNodes)
        {
            _stale.Enqueue((version, stale));
        }

        if (!update.Root.IsZero)
        {
            _roots[update.Root] = update.RootVersion;
        }
    }

    /// <summary>Deletes the nodes logged stale at a version up to <paramref name="version"/>: roots older than it are gone after this.</summary>
    public int PruneStaleUpTo(ulong version)
    {
        int count = 0;
        while (_stale.TryPeek(out (ulong Since, NodeRef Node) entry) && entry.Since <= version)
        {
            _stale.Dequeue();
            _nodes.Remove(entry.Node);
            if (_roots.TryGetValue(entry.Node.Hash, out ulong rootVersion) && rootVersion == entry.Node.Version)
            {
                _roots.Remove(entry.Node.Hash);
            }

            count++;
        }

        return count;
    }
}
