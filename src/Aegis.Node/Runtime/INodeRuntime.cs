using Aegis.Core.Consensus;
using Aegis.Core.Crypto;
using Aegis.Core.Ledger;
using Aegis.Storage;

namespace Aegis.Node.Runtime;

/// <summary>
/// What the API, the dashboard, readiness and SecureChat read from a running node, whether it votes
/// (<see cref="NodeRuntime"/>, a validator) or only follows the chain (<see cref="ObserverRuntime"/>).
/// </summary>
public interface INodeRuntime : IAsyncDisposable
{
    NodeSnapshot Snapshot { get; }

    Genesis Genesis { get; }

    INodeStore Store { get; }

    bool Started { get; }

    /// <summary>True for a validator; an observer never votes and does not count toward any quorum.</summary>
    bool IsValidator { get; }

    /// <summary>Transactions committed since this process started.</summary>
    long TxsCommitted { get; }

    /// <summary>Which history the store holds: from block 1, or from a snapshot's window (and whether it is being backfilled).</summary>
    HistoryProgress History { get; }

    /// <summary>
    /// Completes, faulted with the reason, when the node stops for good (a broken invariant, a store it can no longer
    /// follow with); the host then ends the process instead of serving a node that no longer advances.
    /// </summary>
    Task Stopped { get; }

    Task StartAsync(CancellationToken ct);

    ValueTask<SubmitStatus> SubmitAsync(Transaction tx, CancellationToken ct);

    ValueTask<SubmitStatus[]> SubmitManyAsync(IReadOnlyList<Transaction> txs, CancellationToken ct);

    Task<CommitInfo> WaitForCommitAsync(Hash32 txHash, CancellationToken ct);

    IAsyncEnumerable<BlockEvent> SubscribeAsync(CancellationToken ct);
}

/// <summary>The lowest block the store holds (0: none yet) and what happens below it.</summary>
/// <param name="State"><c>complete</c> (from block 1), <c>backfilling</c>, or <c>off</c> (storage.keep_history false).</param>
public readonly record struct HistoryProgress(ulong From, string State)
{
    public const string Complete = "complete";
    public const string Backfilling = "backfilling";
    public const string Off = "off";

    /// <summary>Blocks below the lowest held one that the store lacks.</summary>
    public ulong Missing => From > 1 ? From - 1 : 0;
}
