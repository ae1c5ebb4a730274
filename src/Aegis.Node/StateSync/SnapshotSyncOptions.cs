namespace Aegis.Node.StateSync;

/// <summary>When and how an empty node joins by snapshot instead of replaying every block from genesis.</summary>
public sealed record SnapshotSyncOptions
{
    /// <summary>Off: an empty node always replays from genesis (config <c>storage.snapshot_sync</c>).</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>
    /// A snapshot is taken only when a peer's certified snapshot is at least this many blocks above genesis (config
    /// <c>storage.snapshot_min_blocks</c>); below it replay is as quick and keeps the whole history.
    /// </summary>
    public int MinBlocks { get; init; } = 1000;

    /// <summary>How long the joiner collects offers after the first usable one, to take the highest.</summary>
    public TimeSpan OfferWait { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>With no usable offer after this long, the node gives up on snapshots and replays (peers may all be new too).</summary>
    public TimeSpan GiveUpAfter { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>A part or block request unanswered for this long is asked again elsewhere.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Part requests in flight per peer (several peers share the work).</summary>
    public int PartsInFlightPerPeer { get; init; } = 4;
}
