namespace Aegis.Node.StateSync;

/// <summary>When and how an empty node joins by snapshot instead of replaying every block from genesis.</summary>
public sealed record SnapshotSyncOptions
{
    /// <summary>
    /// On: an empty node asks for a snapshot before it starts consensus (config <c>storage.snapshot_sync</c>). Off by
    /// default: it holds back consensus until f + 1 validators answer or <see cref="GiveUpAfter"/> passes, so every fresh
    /// node of a new chain would start up to 10 s late (17 tests of the first clean-clone CI run failed so).
    /// </summary>
    public bool Enabled { get; init; }

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

    /// <summary>
    /// A snapshot-joined node fetches the blocks below its snapshot in the background (config <c>storage.keep_history</c>,
    /// default true: <see cref="HistoryBackfill"/>); false keeps only the blocks from the snapshot's window on.
    /// </summary>
    public bool KeepHistory { get; init; } = true;

    /// <summary>History chunk requests out at once: at most this many chunks are held in memory, unchecked.</summary>
    public int HistoryRequestsInFlight { get; init; } = 4;

    /// <summary>Blocks asked per history chunk (at most a sync answer's 256; a byte-bounded shorter answer shrinks it).</summary>
    public int HistoryChunkBlocks { get; init; } = Aegis.Network.PeerMessage.MaxSyncBlocks;

    /// <summary>Part requests in flight per peer (several peers share the work).</summary>
    public int PartsInFlightPerPeer { get; init; } = 4;
}
