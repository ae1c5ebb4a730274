using Aegis.Network;
using Aegis.Node.Runtime;

namespace Aegis.Node.Monitoring;

/// <summary>Whether the node should receive traffic, and why not: one answer for <c>/ready</c> and <c>aegis_node_ready</c>.</summary>
public sealed class NodeReadiness(NodeRuntime runtime, IPeerNetwork network, StorageHealth storage)
{
    /// <summary>A node this many blocks behind its best peer is syncing, not serving the tip.</summary>
    private const ulong SyncLag = 2;

    public string SyncStatus() =>
        runtime.Snapshot is var s && s.HighestPeerHeight > s.Height + SyncLag ? "syncing" : "synced";

    public ReadinessState Evaluate()
    {
        string sync = SyncStatus();
        if (!runtime.Started)
        {
            return new(ReadinessState.Starting, "storage not open", sync);
        }

        if (storage.Corruption is { } corrupt)
        {
            return new(ReadinessState.StoreCorrupt, $"store corrupt: {corrupt.Message}", sync);
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

        int reachable = network.Peers.Count(p => p.Role == "validator") + 1;
        int quorum = runtime.Genesis.Validators.Quorum.Size;
        return reachable < quorum
            ? new(ReadinessState.NoQuorum, $"no quorum: {reachable} of {quorum} validators reachable", sync)
            : new(ReadinessState.Ready, null, sync);
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
