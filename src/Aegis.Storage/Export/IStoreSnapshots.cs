namespace Aegis.Storage.Export;

/// <summary>
/// A store that can hand out a consistent, read-only view of everything it holds while its node keeps writing: what
/// backup and verify read. Both engines implement it beside <see cref="INodeStore"/> (reading only, no new writes).
/// </summary>
public interface IStoreSnapshots
{
    /// <summary>Opens a snapshot: every read through it sees the store as of one instant, whatever is committed after.</summary>
    /// <exception cref="StorageException">the database cannot be read.</exception>
    Task<IStoreSnapshot> OpenSnapshotAsync(CancellationToken ct);
}

/// <summary>One consistent read-only view of a store (SQLite: a WAL read transaction; PostgreSQL: a REPEATABLE READ transaction).</summary>
public interface IStoreSnapshot : IAsyncDisposable
{
    /// <summary>The tip as of the snapshot.</summary>
    ChainTip Tip { get; }

    /// <summary>Blocks <paramref name="fromHeight"/>..<paramref name="toHeight"/> in height order, streamed.</summary>
    /// <exception cref="StorageException">a row does not decode (the message names its height) or the database reports damage.</exception>
    IAsyncEnumerable<StoredBlock> ReadBlocksAsync(ulong fromHeight, ulong toHeight, CancellationToken ct);

    /// <summary>Every key-value entry, ordered by key bytes.</summary>
    IAsyncEnumerable<KvEntry> ReadStateAsync(CancellationToken ct);

    /// <summary>Every tx-index row, in no particular order.</summary>
    IAsyncEnumerable<TxLocation> ReadTxIndexAsync(CancellationToken ct);

    /// <summary>Every entry of the consensus record, in append order (what verify checks decodes; a backup does not carry it).</summary>
    IAsyncEnumerable<ConsensusRecordEntry> ReadConsensusRecordAsync(CancellationToken ct);

    /// <summary>Number of rows in the key-value state (for progress and the backup header).</summary>
    Task<long> CountStateAsync(CancellationToken ct);
}
