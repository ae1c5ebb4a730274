namespace Aegis.Storage;

/// <summary>
/// Everything a node's event loop must make durable before any of it is acted on: committed blocks (in height order),
/// new consensus-record entries (in append order), and a record truncation below a stable checkpoint. Applied in that
/// order, so an entry appended here and lying below <see cref="TruncateRecordBelow"/> is deleted as if the two had been
/// written one after the other.
/// </summary>
public sealed record WriteGroup(IReadOnlyList<BlockWrite> Blocks, IReadOnlyList<ConsensusRecordEntry> Record, ulong TruncateRecordBelow)
{
    public bool IsEmpty => Blocks.Count == 0 && Record.Count == 0 && TruncateRecordBelow == 0;
}
