using Aegis.Core.Crypto;
using Aegis.Core.Ledger;
using Aegis.Core.State;
using Aegis.Core.State.Commitment;

namespace Aegis.Storage;

/// <summary>
/// Everything a node keeps on disk: the chain of committed blocks with their certificates, the key-value state those
/// blocks produced, the tx index, and the replica's consensus record. Every write is a <see cref="WriteGroup"/> made
/// durable in one database transaction, so a node killed at any instant reopens at a consistent tip.
/// <para>
/// One writer per store: the node's writer stage calls <see cref="WriteGroupAsync"/>; reads may run concurrently from
/// any thread (API, sync).
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

    /// <summary>
    /// The state tree's committed nodes (table <c>state_nodes</c>), read synchronously because execution is pure code;
    /// thread-safe, with the upper levels cached. Every node reachable from the stored tip's state root is there (the
    /// block that made it wrote it in its own transaction); nodes reachable only from roots older than the last prune
    /// (<see cref="WriteGroup.PruneStateNodesUpTo"/>) are gone. Valid after <see cref="InitializeAsync"/>.
    /// </summary>
    /// <exception cref="MissingTreeNodeException">from Get: the node is not stored (never written, or pruned).</exception>
    /// <exception cref="StorageException">from Get: the stored row is not the node it is named after, or the read failed.</exception>
    ITreeNodeReader StateNodes { get; }

    /// <summary>Every entry of the consensus record, in append order.</summary>
    Task<IReadOnlyList<ConsensusRecordEntry>> ReadConsensusRecordAsync(CancellationToken ct);

    /// <summary>
    /// Makes a whole <see cref="WriteGroup"/> durable in one transaction (one fsync): its blocks at tip + 1, tip + 2, …
    /// with their state changes and tx outcomes, then its record entries, then its truncation. The node's hot path
    /// writes one group per batch of consensus work.
    /// </summary>
    /// <exception cref="BlockRejectedException">a block does not extend the one before it, or block, certificate and result disagree; nothing was written.</exception>
    Task WriteGroupAsync(WriteGroup group, CancellationToken ct);

    /// <summary>Stores one block at tip + 1 (a group of one).</summary>
    /// <exception cref="BlockRejectedException">as <see cref="WriteGroupAsync"/>.</exception>
    Task CommitBlockAsync(Block block, CommitCertificate certificate, ExecutionResult result, CancellationToken ct) =>
        WriteGroupAsync(new WriteGroup([new BlockWrite(block, certificate, result)], [], 0), ct);

    /// <summary>Appends entries to the replica's write-ahead record (a group of record entries only).</summary>
    Task AppendConsensusRecordAsync(IReadOnlyList<ConsensusRecordEntry> entries, CancellationToken ct) =>
        WriteGroupAsync(new WriteGroup([], entries, 0), ct);

    /// <summary>Deletes the record entries whose height is below <paramref name="belowHeight"/> (below a stable checkpoint).</summary>
    Task TruncateConsensusRecordAsync(ulong belowHeight, CancellationToken ct) =>
        WriteGroupAsync(new WriteGroup([], [], belowHeight), ct);
}

/// <summary>One block of a <see cref="WriteGroup"/>: the block, its certificate and its execution result.</summary>
public sealed record BlockWrite(Block Block, CommitCertificate Certificate, ExecutionResult Result);
