namespace Aegis.Core.Consensus;

/// <summary>Per-node tuning. Unlike <see cref="ConsensusParameters"/>, these may differ between replicas.</summary>
public sealed record ReplicaOptions
{
    /// <summary>Most transactions the primary puts in one block.</summary>
    public int MaxBlockTxs { get; init; } = 2000;

    /// <summary>Most encoded transaction bytes the primary puts in one block.</summary>
    public int MaxBlockBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>
    /// The primary proposes only while fewer of its blocks than this are uncommitted (never more than the chain's
    /// pipeline depth). Every block costs each replica the same signatures and fsyncs whatever it holds, so under load
    /// transactions that arrive while blocks are in flight are better off sharing the next block than each opening
    /// one of their own: throughput grows with load instead of collapsing under per-block costs.
    /// </summary>
    public int MaxBlocksInFlight { get; init; } = 2;

    /// <summary>Ticks without progress (while there is work) before a replica suspects the primary; doubles per consecutive view change.</summary>
    public int ViewChangeTimeoutTicks { get; init; } = 40;

    /// <summary>Status heartbeat period; also how long without progress before a replica resends its own votes.</summary>
    public int RetransmitTicks { get; init; } = 10;

    public int MaxMempoolTxs { get; init; } = 100_000;

    public long MaxMempoolBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>
    /// Simulator-only fault injection (<c>aegis sim --unsafe-quorum N</c>, the proof that its checker can fail): count
    /// this many PREPARE/COMMIT votes as a quorum. Breaks safety on purpose: the node's configuration has no key for
    /// it and its host never sets it.
    /// </summary>
    public int? UnsafeQuorumOverride { get; init; }
}
