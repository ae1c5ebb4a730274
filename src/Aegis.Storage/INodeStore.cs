using Aegis.Core.Crypto;
using Aegis.Core.Ledger;
using Aegis.Core.State;

namespace Aegis.Storage;

/// <summary>
/// Everything a node keeps on disk: the chain (blocks with certificates and the state root after each), the key-value
/// state, the transaction index and the consensus write-ahead record. Two engines implement it (SQLite, PostgreSQL)
/// and pass the same contract tests. A block, its state changes and its index entries commit in one transaction.
/// </summary>
public interface INodeStore : IAsyncDisposable
{
    /// <summary>"sqlite" or "postgresql", for messages and diagnostics.</summary>
    string Engine { get; }

    /// <summary>Where the data lives, without secrets (a file path, or host/database).</summary>
    string Target { get; }

    /// <summary>Opens the store and creates or checks its schema.</summary>
    Task InitializeAsync(CancellationToken ct);

    Task<ChainTip> GetTipAsync(CancellationToken ct);

    /// <summary>Stores a committed, executed block atomically; rejects a block that does not extend the tip.</summary>
    Task CommitBlockAsync(CommittedBlock committed, ExecutionResult result, CancellationToken ct);

    Task<StoredBlock?> GetBlockAsync(ulong height, CancellationToken ct);

    Task<IReadOnlyList<StoredBlock>> GetBlocksAsync(ulong fromHeight, int maxCount, CancellationToken ct);

    Task<KvEntry?> GetAsync(byte[] key, CancellationToken ct);

    Task<TxLocation?> GetTxAsync(Hash32 txHash, CancellationToken ct);

    /// <summary>Which of these transaction hashes an earlier block already applied (one query, not one per hash).</summary>
    Task<IReadOnlySet<Hash32>> FindAppliedTxsAsync(IReadOnlyCollection<Hash32> txHashes, CancellationToken ct);

    /// <summary>Appends entries durably before returning.</summary>
    Task AppendConsensusRecordAsync(IReadOnlyList<ConsensusRecordEntry> entries, CancellationToken ct);

    Task<IReadOnlyList<ConsensusRecordEntry>> ReadConsensusRecordAsync(CancellationToken ct);

    Task TruncateConsensusRecordAsync(ulong belowHeight, CancellationToken ct);
}

/// <summary>The committed tip: height 0 with zero hashes for an empty store.</summary>
public sealed record ChainTip(ulong Height, Hash32 BlockHash, Hash32 StateRoot, long TimestampMs);

public sealed record StoredBlock(CommittedBlock Committed, Hash32 StateRootAfter)
{
    public Block Block => Committed.Block;

    public CommitCertificate Certificate => Committed.Certificate;
}

public sealed record KvEntry(byte[] Key, byte[] Value, ulong Height);

public sealed record TxLocation(Hash32 TxHash, ulong Height, Hash32 BlockHash, int Index, TxOutcome Outcome);

public sealed record ConsensusRecordEntry(ulong Height, byte[] Data);

/// <summary>A storage failure with a message fit for an operator (engine, target, what went wrong; never a password).</summary>
public sealed class StorageException : Exception
{
    public StorageException(string message)
        : base(message)
    {
    }

    public StorageException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public StorageException()
    {
    }
}
