namespace Aegis.Core.Consensus;

/// <summary>Per-node tuning. Unlike <see cref="ConsensusParameters"/>, these may differ between replicas.</summary>
public sealed record ReplicaOptions
{
    /// <summary>Most transactions the primary puts in one block.</summary>
    public int MaxBlockTxs { get; init; } = 2000;

    /// <summary>Most encoded transaction bytes the primary puts in one block.</summary>
    public int MaxBlockBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>Ticks without progress (while there is work) before a replica suspects the primary; doubles per consecutive view change.</summary>
    public int ViewChangeTimeoutTicks { get; init; } = 40;

    /// <summary>Status heartbeat period; also how long without progress before a replica resends its own votes.</summary>
    public int RetransmitTicks { get; init; } = 10;

    public int MaxMempoolTxs { get; init; } = 100_000;

    public long MaxMempoolBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>
    /// Test hook only (the simulator's proof that its checker can fail): count this many PREPARE/COMMIT votes as a
    /// quorum. Never settable from configuration.
    /// </summary>
    internal int? UnsafeQuorumOverride { get; init; }
}
