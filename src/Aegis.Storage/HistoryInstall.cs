using Aegis.Core.Crypto;
using Aegis.Core.State;
using Aegis.Core.State.Commitment;

namespace Aegis.Storage;

/// <summary>
/// Backfilled history as a <see cref="WriteGroup"/> (<see cref="WriteGroup.History"/>): certified blocks below a
/// snapshot-joined store's first block, each with the state root after it (named by the header pipeline_depth above),
/// and each transaction's outcome as execution decides it from the blocks alone (<see cref="SnapshotInstall"/>'s rule).
/// Nothing is re-executed: the state those blocks produced is superseded by the installed snapshot; what the rows serve
/// is <c>GET /v1/blocks/{h}</c>, <c>GET /v1/tx/{hash}</c>, block sync to peers and the exact tx index dedup reads —
/// and the heights of kv rows last written in these blocks, still at 0 from the snapshot (<see cref="KvHeight"/>).
/// </summary>
public static class HistoryInstall
{
    /// <summary>The group for <paramref name="blocks"/> (consecutive, ascending, verified by the caller).</summary>
    public static WriteGroup Group(IReadOnlyList<StoredBlock> blocks)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        var applied = new HashSet<Hash32>();
        var writes = new List<BlockWrite>(blocks.Count);
        foreach (StoredBlock b in blocks)
        {
            TxOutcome[] outcomes = SnapshotInstall.Outcomes(b.Block, applied);
            writes.Add(new BlockWrite(b.Block, b.Certificate, new ExecutionResult(b.Height, [], outcomes, TreeUpdate.Unchanged(b.StateRootAfter))));
        }

        return new WriteGroup([], [], 0) { History = writes, KvHeights = KvHeight.LastWrites(writes) };
    }
}
