using Aegis.Core.Crypto;

namespace Aegis.Core.State.Commitment;

/// <summary>
/// The node table in memory, with the stale-mark pruning rule of <see cref="ITreeNodeStore"/>: for tests, the simulator
/// and benchmarks, and the model the persistent stores follow.
/// </summary>
public sealed class InMemoryTreeNodeStore : ITreeNodeStore
{
    private readonly Dictionary<Hash32, TreeNode> _nodes = [];
    private readonly Dictionary<Hash32, ulong> _staleSince = [];

    public int Count => _nodes.Count;

    public TreeNode Get(Hash32 hash) => _nodes.TryGetValue(hash, out TreeNode? node) ? node : throw new MissingTreeNodeException(hash);

    public bool Contains(Hash32 hash) => _nodes.ContainsKey(hash);

    public void Apply(TreeUpdate update, ulong version)
    {
        ArgumentNullException.ThrowIfNull(update);
        foreach (Hash32 stale in update.StaleNodes)
        {
            _staleSince[stale] = version;
        }

        // After the stale marks: a node this update both retired and recreated is live.
        foreach (TreeNode node in update.NewNodes)
        {
            _nodes[node.Hash] = node;
            _staleSince.Remove(node.Hash);
        }
    }

    /// <summary>Deletes the nodes that became stale at a version up to <paramref name="version"/>: roots older than it are gone after this.</summary>
    public int PruneStaleUpTo(ulong version)
    {
        var drop = _staleSince.Where(s => s.Value <= version).Select(s => s.Key).ToList();
        foreach (Hash32 hash in drop)
        {
            _staleSince.Remove(hash);
            _nodes.Remove(hash);
        }

        return drop.Count;
    }
}
