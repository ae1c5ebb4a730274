namespace Aegis.Core.Consensus;

/// <summary>
/// Protocol parameters fixed in genesis: every replica must use the same values or they would disagree on which
/// blocks are valid.
/// </summary>
public sealed record ConsensusParameters
{
    /// <summary>A checkpoint every K heights; a stable checkpoint garbage-collects the log below it.</summary>
    public int CheckpointInterval { get; init; } = 64;

    /// <summary>
    /// How many heights the primary may propose ahead of execution. A header's state root is the root after height
    /// (h − PipelineDepth), so a proposal never waits for the previous block to execute.
    /// </summary>
    public int PipelineDepth { get; init; } = 16;

    public const int MaxPipelineDepth = 64;

    /// <summary>
    /// How many recent heights' transactions every replica keeps in memory. No transaction is ever committed twice:
    /// a replica checks anything older against its host's exact tx index (see <c>TxHistory</c>), and its writer never
    /// lags more than half this window behind its tip, so the two always meet.
    /// </summary>
    public int DedupHorizonBlocks { get; init; } = 256;

    /// <summary>Heights accepted above the stable checkpoint (PBFT's high watermark).</summary>
    public int WatermarkWindow => (2 * CheckpointInterval) + PipelineDepth;

    /// <summary>Null when the values are usable; otherwise a sentence naming the field.</summary>
    public string? Validate()
    {
        if (CheckpointInterval is < 1 or > 100_000)
        {
            return $"checkpoint_interval: {CheckpointInterval} — expected 1 to 100000";
        }

        if (PipelineDepth is < 1 or > MaxPipelineDepth)
        {
            return $"pipeline_depth: {PipelineDepth} — expected 1 to {MaxPipelineDepth}";
        }

        return DedupHorizonBlocks is < 1 or > 1_000_000 ? $"dedup_horizon_blocks: {DedupHorizonBlocks} — expected 1 to 1000000" : null;
    }
}
