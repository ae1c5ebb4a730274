using Aegis.Node.Runtime;

namespace Aegis.Node.Api;

/// <summary>Whether this node should receive traffic, and why not: what /ready answers and the dashboard shows.</summary>
public static class NodeReadiness
{
    /// <summary>More than this many heights behind the best peer counts as syncing.</summary>
    public const ulong SyncSlack = 2;

    public static string SyncStatus(NodeSnapshot s) => s.HighestPeerHeight > s.Height + SyncSlack ? "syncing" : "synced";

    /// <summary>Null when ready; otherwise the reason, in the words /ready uses.</summary>
    public static string? NotReadyReason(NodeServices node)
    {
        NodeSnapshot s = node.Runtime.Snapshot;
        int reachable = node.Network.Peers.Count(p => p.Role == "validator") + 1;
        int quorum = node.Runtime.Genesis.Validators.Quorum.Size;
        return !node.Runtime.Started ? "storage not open"
            : SyncStatus(s) == "syncing" ? $"syncing: at height {s.Height}, peers at {s.HighestPeerHeight}"
            : reachable < quorum ? $"no quorum: {reachable} of {quorum} validators reachable"
            : null;
    }
}
