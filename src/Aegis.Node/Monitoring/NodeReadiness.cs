using Aegis.Network;
using Aegis.Node.Runtime;

namespace Aegis.Node.Monitoring;

/// <summary>Whether the node should receive traffic, and why not: one answer for <c>/ready</c> and <c>aegis_node_ready</c>.</summary>
public sealed class NodeReadiness(INodeRuntime runtime, IPeerNetwork network, StorageHealth storage)
{
    public StorageHealth Storage => storage;

    /// <summary>A node this many blocks behind its best peer is syncing, not serving the tip.</summary>
    private const ulong SyncLag = 2;

    public string SyncStatus() =>
        runtime.Snapshot is var s && s.HighestPeerHeight > s.Height + SyncLag ? "syncing" : "synced";

    public ReadinessState Evaluate()
    {
        string sync = SyncStatus();

        // First: a node whose start-time check failed never starts consensus, and says why rather than "starting".
        if (storage.Corruption is { } corrupt)
        {
            return new(ReadinessState.StoreCorrupt, $"store corrupt: {corrupt.Message}", sync);
        }

        if (!runtime.Started)
        {
            return new(ReadinessState.Starting, "storage not open", sync);
        }

        if (storage.LastWriteFailure is { } failed)
        {
            return failed.Reason == StorageHealth.DiskFull
                ? new(ReadinessState.DiskFull, $"disk full: {failed.Message}", sync)
                : new(ReadinessState.StorageFailed, $"storage write failed: {failed.Message}", sync);
        }

        NodeSnapshot s = runtime.Snapshot;
        if (sync == "syncing")
        {
            return new(ReadinessState.Syncing, $"syncing: at height {s.Height}, peers at {s.HighestPeerHeight}", sync);
        }

        return NoQuorum() is { } noQuorum
            ? new(ReadinessState.NoQuorum, noQuorum, sync)
            : new(ReadinessState.Ready, null, sync);
    }

    /// <summary>Why this node cannot see a quorum of validators (itself included), or null when it can: the cluster cannot commit without one.</summary>
    public string? NoQuorum()
    {
        // An observer is no validator: only the validators it reaches count, never itself.
        int reachable = network.Peers.Count(p => p.Role == "validator") + (runtime.IsValidator ? 1 : 0);
        int quorum = runtime.Genesis.Validators.Quorum.Size;
        return reachable < quorum ? $"no quorum: {reachable} of {quorum} validators reachable" : null;
    }
}

/// <summary>The readiness answer: <see cref="Reason"/> is a bounded label value, <see cref="Message"/> the human sentence.</summary>
public sealed record ReadinessState(string Reason, string? Message, string SyncStatus)
{
    public const string Ready = "ready";
    public const string Starting = "starting";
    public const string Syncing = "syncing";
    public const string NoQuorum = "no_quorum";
    public const string DiskFull = "disk_full";
    public const string StorageFailed = "storage_failed";
    public const string StoreCorrupt = "store_corrupt";

    public static IReadOnlyList<string> Reasons { get; } = [Ready, Starting, Syncing, NoQuorum, DiskFull, StorageFailed, StoreCorrupt];

    public bool IsReady => Reason == Ready;
}
