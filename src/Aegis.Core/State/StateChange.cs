namespace Aegis.Core.State;

/// <summary>The final effect of a block on one key: its new value, or null when the block deleted it.</summary>
public sealed record StateChange(byte[] Key, byte[]? Value);

public enum TxOutcome : byte
{
    Applied = 1,

    /// <summary>An earlier block already applied a transaction with the same hash; this copy changed nothing.</summary>
    Duplicate = 2,

    /// <summary>The transaction is well formed but proves nothing (a chat envelope whose signature does not verify); it changed nothing.</summary>
    Rejected = 3,
}

/// <summary>What executing one block produced: the new state root, the per-key changes to store, each transaction's outcome.</summary>
public sealed record ExecutionResult(ulong Height, Aegis.Core.Crypto.Hash32 StateRoot, IReadOnlyList<StateChange> Changes, IReadOnlyList<TxOutcome> Outcomes);
