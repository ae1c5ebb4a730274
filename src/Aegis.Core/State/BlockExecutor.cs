using Aegis.Core.Crypto;
using Aegis.Core.Encoding;
using Aegis.Core.Ledger;

namespace Aegis.Core.State;

/// <summary>
/// The replicated application: a key-value store. Execution is a pure function of (previous state, block), so every
/// honest node computes the same changes and the same state root; the caller writes the changes, the block and the
/// tx index in one storage transaction.
/// <para>
/// The state root is a hash chain over applied effects: root(h) = SHA-256("AEGIS/state" ‖ root(h−1) ‖ h ‖ effects).
/// Two nodes agree on it exactly when they applied the same operations in the same order, which is what detecting
/// divergent state needs. (It is not a Merkle tree over keys, so it cannot prove a single key's value.)
/// </para>
/// </summary>
public static class BlockExecutor
{
    /// <summary>The state root before any block: the empty state.</summary>
    public static readonly Hash32 GenesisStateRoot = Hash32.Zero;

    private static readonly byte[] Domain = "AEGIS/state"u8.ToArray();

    public static ExecutionResult Execute(Block block, Hash32 previousRoot, IStateView state)
    {
        var effects = new CanonicalWriter(64 + (block.Transactions.Count * 48));
        effects.WriteFixed(Domain);
        effects.WriteHash(previousRoot);
        effects.WriteU64(block.Height);

        // Last write wins inside a block; insertion order is kept so the change list is deterministic.
        var changes = new Dictionary<string, StateChange>(StringComparer.Ordinal);
        var order = new List<string>();
        var outcomes = new TxOutcome[block.Transactions.Count];
        var appliedHere = new HashSet<Hash32>();

        for (int i = 0; i < block.Transactions.Count; i++)
        {
            Transaction tx = block.Transactions[i];
            if (state.IsTxApplied(tx.Hash) || !appliedHere.Add(tx.Hash))
            {
                outcomes[i] = TxOutcome.Duplicate;
                effects.WriteU8((byte)TxOutcome.Duplicate);
                continue;
            }

            if (tx.Op == TxOp.Chat && ChatEnvelope.Check(tx.Key, tx.Value, out _) is not null)
            {
                outcomes[i] = TxOutcome.Rejected;
                effects.WriteU8((byte)TxOutcome.Rejected);
                continue;
            }

            outcomes[i] = TxOutcome.Applied;
            effects.WriteU8((byte)TxOutcome.Applied);
            effects.WriteU8((byte)tx.Op);
            effects.WriteBytes16(tx.Key);
            effects.WriteBytes32(tx.Value);

            // Pins and chat operations live in the ledger itself: the content and chat projections read them from the
            // committed blocks in order. Only put and del change the key-value state.
            if (tx.Op is not (TxOp.Put or TxOp.Delete))
            {
                continue;
            }

            string mapKey = Convert.ToBase64String(tx.Key);
            if (!changes.ContainsKey(mapKey))
            {
                order.Add(mapKey);
            }

            changes[mapKey] = new StateChange(tx.Key.ToArray(), tx.Op == TxOp.Put ? tx.Value.ToArray() : null);
        }

        var list = new StateChange[order.Count];
        for (int i = 0; i < list.Length; i++)
        {
            list[i] = changes[order[i]];
        }

        return new ExecutionResult(block.Height, Hash32.Compute(effects.WrittenSpan), list, outcomes);
    }
}
