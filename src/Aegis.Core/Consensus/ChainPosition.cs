using Aegis.Core.Crypto;
using Aegis.Core.Ledger;

namespace Aegis.Core.Consensus;

/// <summary>
/// Where a replica starts: the committed (and executed) tip from storage, the state roots of the last few heights
/// (headers refer to them), and the last committed blocks with their certificates: the dedup horizon's worth
/// (for repeated-transaction checks), of which the last watermark window's worth is reported in view changes.
/// </summary>
public sealed record ChainPosition(ulong Height, Hash32 BlockHash, long TimestampMs, IReadOnlyDictionary<ulong, Hash32> RecentStateRoots, IReadOnlyList<CommittedBlock> RecentBlocks)
{
    /// <summary>
    /// The highest checkpoint height (a multiple of the checkpoint interval) among <see cref="RecentBlocks"/>, with the
    /// state root after it: what a restarted replica re-announces (see <c>Replica.Restore</c>). Null when none.
    /// </summary>
    public (ulong Height, Hash32 StateRoot)? LastCheckpoint { get; init; }

    public static ChainPosition Genesis(Genesis genesis) =>
        new(0, genesis.Hash, genesis.GenesisTimeMs, new Dictionary<ulong, Hash32>(), []);

    /// <summary>
    /// The one way a host builds its start position from storage: <paramref name="recent"/> are the last committed
    /// blocks in height order, ending at the tip (the dedup horizon's worth; fewer is fine), each with the state root
    /// after it. Keeps the roots the pipeline still refers to.
    /// </summary>
    public static ChainPosition FromRecent(Genesis genesis, IReadOnlyList<(CommittedBlock Block, Hash32 StateRootAfter)> recent)
    {
        if (recent.Count == 0)
        {
            return Genesis(genesis);
        }

        Block tip = recent[^1].Block.Block;
        var roots = new Dictionary<ulong, Hash32>();
        foreach ((CommittedBlock block, Hash32 root) in recent)
        {
            if (block.Height + (ulong)genesis.Parameters.PipelineDepth + 1 > tip.Height)
            {
                roots[block.Height] = root;
            }
        }

        ulong interval = (ulong)genesis.Parameters.CheckpointInterval;
        (ulong, Hash32)? checkpoint = null;
        foreach ((CommittedBlock block, Hash32 root) in recent)
        {
            if (block.Height % interval == 0)
            {
                checkpoint = (block.Height, root);
            }
        }

        return new ChainPosition(tip.Height, tip.Hash, tip.Header.TimestampMs, roots, [.. recent.Select(r => r.Block)]) { LastCheckpoint = checkpoint };
    }
}
