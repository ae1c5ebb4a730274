using Aegis.Core.Crypto;
using Aegis.Core.Ledger;
using Aegis.Core.State.Commitment;

namespace Aegis.Core.State;

/// <summary>
/// The replicated application: a key-value store. Execution is a pure function of (previous state, block), so every
/// honest node computes the same changes and the same state root; the caller writes the changes, the tree update, the
/// block and the tx index in one storage transaction.
/// <para>
/// The state root is the root of the <see cref="StateTree"/> over the whole key-value state after the block
/// (docs/state-commitment.md): it commits to the state itself, so a single value (<c>?proof=true</c>) or a snapshot
/// chunk can be checked against a certified header. Two nodes agree on it exactly when they hold the same state.
/// </para>
/// </summary>
public static class BlockExecutor
{
    /// <summary>The state root before any block: the empty state.</summary>
    public static readonly Hash32 GenesisStateRoot = Hash32.Zero;

    /// <param name="previousRoot">the state root after the block before (the tree under it must be readable in <paramref name="tree"/>).</param>
    /// <param name="tree">the state tree's nodes: the store's, with those of executed-but-unwritten blocks in front.</param>
    /// <exception cref="MissingTreeNodeException">the tree under <paramref name="previousRoot"/> is incomplete in <paramref name="tree"/>.</exception>
    public static ExecutionResult Execute(Block block, Hash32 previousRoot, IStateView state, ITreeNodeReader tree)
    {

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
                continue;
            }

            if (tx.Op == TxOp.Chat && ChatEnvelope.Check(tx.Key, tx.Value, out _) is not null)
            {
                outcomes[i] = TxOutcome.Rejected;
                continue;
            }

            outcomes[i] = TxOutcome.Applied;

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

        return new ExecutionResult(block.Height, list, outcomes, StateTree.Update(tree, previousRoot, list, block.Height));
    }
}
