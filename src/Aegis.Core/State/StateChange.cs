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

/// <summary>
/// What executing one block produced: the per-key changes to store, each transaction's outcome, and the state tree's
/// update (new root, nodes to insert, nodes made stale) that the store writes in the block's transaction.
/// </summary>
public sealed record ExecutionResult(ulong Height, IReadOnlyList<StateChange> Changes, IReadOnlyList<TxOutcome> Outcomes, Commitment.TreeUpdate Tree)
{
    /// <summary>The state root after the block: the root of the state tree over the whole key-value state.</summary>
    public Aegis.Core.Crypto.Hash32 StateRoot => Tree.Root;
}
