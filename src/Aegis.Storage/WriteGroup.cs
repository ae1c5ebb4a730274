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

    public bool IsEmpty => Blocks.Count == 0 && Record.Count == 0 && TruncateRecordBelow == 0 && PruneStateNodesUpTo == 0;

    /// <summary>What the group does, for error messages: "committing blocks 5..7 and appending 3 entries to the consensus record".</summary>
    public string Describe()
    {
        var parts = new List<string>(3);
        if (Blocks.Count > 0)
        {
            parts.Add("committing " + DescribeBlocks());
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
