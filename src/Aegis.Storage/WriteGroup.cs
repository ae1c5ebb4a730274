namespace Aegis.Storage;

/// <summary>
/// Everything a node's event loop must make durable before any of it is acted on: committed blocks (in height order),
/// new consensus-record entries (in append order), and a record truncation below a stable checkpoint. Applied in that
/// order, so an entry appended here and lying below <see cref="TruncateRecordBelow"/> is deleted as if the two had been
/// written one after the other. Last, the state tree's nodes that became stale at a version up to
/// <see cref="PruneStateNodesUpTo"/> are deleted (the trees of older roots are gone after that).
/// </summary>
public sealed record WriteGroup(IReadOnlyList<BlockWrite> Blocks, IReadOnlyList<ConsensusRecordEntry> Record, ulong TruncateRecordBelow)
{
    /// <summary>Prune the state tree's nodes stale since a version up to this one (0: prune nothing).</summary>
    public ulong PruneStateNodesUpTo { get; init; }

    public bool IsEmpty => Blocks.Count == 0 && Record.Count == 0 && TruncateRecordBelow == 0 && PruneStateNodesUpTo == 0 && History.Count == 0 && KvHeights.Count == 0;

    /// <summary>
    /// Backfilled history (see <see cref="HistoryInstall"/>): certified blocks just below the store's first block, in
    /// height order, the last one's hash named by that first block. Written before <see cref="Blocks"/>, with their
    /// block rows and tx-index rows only (their state is long superseded; tip, kv table and tree are untouched).
    /// </summary>
    public IReadOnlyList<BlockWrite> History { get; init; } = [];

    /// <summary>
    /// The group installs a verified snapshot (see <see cref="SnapshotInstall"/>): the store must be empty, and its
    /// first block may start above height 1 — history below it is not held.
    /// </summary>
    public bool FromSnapshot { get; init; }

    /// <summary>
    /// Heights for kv rows still at 0 (see <see cref="KvHeight"/>), applied last: each sets its key's row height where
    /// the row exists with height 0, so a re-applied entry changes nothing. A snapshot's last block writes its state
    /// at height 0 before these apply.
    /// </summary>
    public IReadOnlyList<KvHeight> KvHeights { get; init; } = [];

    /// <summary>What the group does, for error messages: "committing blocks 5..7 and appending 3 entries to the consensus record".</summary>
    public string Describe()
    {
        var parts = new List<string>(3);
        if (History.Count > 0)
        {
            parts.Add($"backfilling history blocks {History[0].Block.Height}..{History[^1].Block.Height}");
        }

        if (Blocks.Count > 0)
        {
            parts.Add((FromSnapshot ? "installing a snapshot with " : "committing ") + DescribeBlocks());
        }

        if (Record.Count > 0)
        {
            parts.Add($"appending {Record.Count} entries to the consensus record");
        }

        if (TruncateRecordBelow > 0)
        {
            parts.Add($"truncating the consensus record below height {TruncateRecordBelow}");
        }

        if (PruneStateNodesUpTo > 0)
        {
            parts.Add($"pruning state tree nodes stale since height {PruneStateNodesUpTo} or before");
        }

        return string.Join(" and ", parts);
    }

    /// <summary>"block 5" or "blocks 5..7"; "no blocks" for a group without any.</summary>
    public string DescribeBlocks() => Blocks.Count switch
    {
        0 => "no blocks",
        1 => $"block {Blocks[0].Block.Height}",
        _ => $"blocks {Blocks[0].Block.Height}..{Blocks[^1].Block.Height}",
    };
}
