using Aegis.Core.Crypto;
using Aegis.Core.Ledger;
using Aegis.Core.State;

namespace Aegis.Storage;

/// <summary>
/// Everything a node keeps on disk: the chain of committed blocks with their certificates, the key-value state those
/// blocks produced, the tx index, and the replica's consensus record. A block and its effects are written in one
/// database transaction, so a node killed at any instant reopens at a consistent tip.
/// <para>
/// One writer per store: <see cref="CommitBlockAsync"/> and the consensus-record writes come from the node's event
/// loop; reads may run concurrently from any thread (API, sync).
/// </para>
/// </summary>
public interface INodeStore : IAsyncDisposable
{
    /// <summary>Human-readable engine and target ("sqlite /data/aegis.db"), for logs and diagnostics; never holds a password.</summary>
    string Description { get; }

    /// <summary>Opens the database and creates or checks the schema. Idempotent; must be called before anything else.</summary>
    /// <exception cref="StorageException">the database cannot be opened, or it was written by a newer schema version.</exception>
    Task InitializeAsync(CancellationToken ct);

    /// <summary>The last committed block; height 0 with zero hashes when the store is empty.</summary>
    Task<ChainTip> GetTipAsync(CancellationToken ct);

    /// <summary>
    /// Stores <paramref name="block"/> at tip + 1 with its certificate, the state changes and tx outcomes of
    /// <paramref name="result"/>, and moves the tip — all in one transaction that is durable when the task completes.
    /// </summary>
    /// <exception cref="BlockRejectedException">the block does not extend the tip, or block, certificate and result disagree; nothing was written.</exception>
    Task CommitBlockAsync(Block block, CommitCertificate certificate, ExecutionResult result, CancellationToken ct);

    /// <summary>
    /// Stores consecutive blocks at tip + 1, tip + 2, … as one group: one durable write for all of them where the
    /// engine supports it (group commit), so a node applying many blocks at once (a busy pipeline, state sync) pays
    /// for one fsync instead of one per block. The default stores them one by one.
    /// </summary>
    /// <exception cref="BlockRejectedException">a block does not extend the one before it; blocks before it may be stored.</exception>
    async Task CommitBlocksAsync(IReadOnlyList<BlockWrite> blocks, CancellationToken ct)
    {
        foreach (BlockWrite b in blocks)
        {
            await CommitBlockAsync(b.Block, b.Certificate, b.Result, ct).ConfigureAwait(false);
        }
    }

    Task<StoredBlock?> GetBlockAsync(ulong height, CancellationToken ct);

    /// <summary>Up to <paramref name="maxCount"/> consecutive blocks from <paramref name="fromHeight"/>, ascending (state sync, recovery).</summary>
    Task<IReadOnlyList<StoredBlock>> GetBlocksAsync(ulong fromHeight, int maxCount, CancellationToken ct);

    /// <summary>The committed value of <paramref name="key"/>, or null when absent or deleted.</summary>
    Task<KvEntry?> GetAsync(byte[] key, CancellationToken ct);

    /// <summary>Where a transaction was committed, or null when the tx index does not hold it.</summary>
    Task<TxLocation?> GetTxAsync(Hash32 txHash, CancellationToken ct);

    /// <summary>
    /// The subset of <paramref name="txHashes"/> that earlier blocks applied, looked up in batches: what the node needs
    /// to build the <see cref="IStateView"/> for <see cref="BlockExecutor.Execute"/> before committing a block.
    /// </summary>
    Task<IReadOnlySet<Hash32>> FindAppliedTxsAsync(IReadOnlyCollection<Hash32> txHashes, CancellationToken ct);

    /// <summary>Appends entries to the replica's write-ahead record; durable when the task completes.</summary>
    Task AppendConsensusRecordAsync(IReadOnlyList<ConsensusRecordEntry> entries, CancellationToken ct);

    /// <summary>Every entry of the consensus record, in append order.</summary>
    Task<IReadOnlyList<ConsensusRecordEntry>> ReadConsensusRecordAsync(CancellationToken ct);

    /// <summary>Deletes the entries whose height is below <paramref name="belowHeight"/> (below a stable checkpoint).</summary>
    Task TruncateConsensusRecordAsync(ulong belowHeight, CancellationToken ct);

    /// <summary>
    /// Makes a whole <see cref="WriteGroup"/> durable: one transaction and one fsync where the engine can (the node's
    /// hot path writes one group per batch of consensus work). The default writes blocks, record and truncation one
    /// after the other; a crash between them leaves blocks without their record entries, which recovery tolerates
    /// because nothing of the group was sent before the whole group was written.
    /// </summary>
    /// <exception cref="BlockRejectedException">a block does not extend the one before it; the group was not applied (engines with one transaction) or applied up to that block.</exception>
    async Task WriteGroupAsync(WriteGroup group, CancellationToken ct)
    {
        await CommitBlocksAsync(group.Blocks, ct).ConfigureAwait(false);
        await AppendConsensusRecordAsync(group.Record, ct).ConfigureAwait(false);
        if (group.TruncateRecordBelow > 0)
        {
            await TruncateConsensusRecordAsync(group.TruncateRecordBelow, ct).ConfigureAwait(false);
        }
    }
}

/// <summary>One block for <see cref="INodeStore.CommitBlocksAsync"/>: the block, its certificate and its execution result.</summary>
public sealed record BlockWrite(Block Block, CommitCertificate Certificate, ExecutionResult Result);
