using Aegis.Core.Crypto;
using Aegis.Core.Ledger;
using Aegis.Core.State;
using Aegis.Core.State.Commitment;

namespace Aegis.Storage;

/// <summary>
/// A verified snapshot as one <see cref="WriteGroup"/> (so every engine installs it in one transaction, and the
/// simulator's crash faults cover it like any other write): the last blocks up to the snapshot's height, each with the
/// state root after it, and the whole key-value state as the last block's changes. The store then holds the state at
/// that height and the blocks above the first one only; normal block sync continues from there. A kv row's height is its
/// last write in the window, or 0 when that lies below it (backfill fills it in: <see cref="KvHeight"/>).
/// </summary>
public static class SnapshotInstall
{
    /// <summary>
    /// The group that installs <paramref name="state"/> (the state after the last of <paramref name="blocks"/>).
    /// <paramref name="blocks"/> must be consecutive and linked by hash, each with its certified state root after it;
    /// the caller has verified them and the state against the last block's root.
    /// </summary>
    /// <exception cref="ArgumentException">no blocks, they do not link, or the state does not build the last block's root.</exception>
    public static WriteGroup Group(IReadOnlyList<StoredBlock> blocks, IReadOnlyList<KeyValuePair<byte[], byte[]>> state)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        ArgumentNullException.ThrowIfNull(state);
        if (blocks.Count == 0)
        {
            throw new ArgumentException("a snapshot needs at least the block at its height", nameof(blocks));
        }

        var writes = new List<BlockWrite>(blocks.Count);
        var applied = new HashSet<Hash32>();
        for (int i = 0; i < blocks.Count; i++)
        {
            StoredBlock b = blocks[i];
            if (i > 0 && (b.Height != blocks[i - 1].Height + 1 || b.Block.Header.PreviousHash != blocks[i - 1].Block.Hash))
            {
                throw new ArgumentException($"snapshot blocks: block {b.Height} does not follow block {blocks[i - 1].Height}", nameof(blocks));
            }

            bool last = i == blocks.Count - 1;
            IReadOnlyList<StateChange> changes = last ? [.. state.Select(e => new StateChange(e.Key, e.Value))] : [];

            // Only the snapshot's root has its tree stored; the roots below it are recorded (headers refer to them), not held.
            TreeUpdate tree = last ? StateTree.Build(state, b.Height) : TreeUpdate.Unchanged(b.StateRootAfter);
            if (tree.Root != b.StateRootAfter)
            {
                throw new ArgumentException($"snapshot: the state builds root {tree.Root.ToShortString()}, block {b.Height} is followed by {b.StateRootAfter.ToShortString()}", nameof(state));
            }

            writes.Add(new BlockWrite(b.Block, b.Certificate, new ExecutionResult(b.Height, changes, Outcomes(b.Block, applied), tree)));
        }

        // The state goes in at height 0 (written below the store's history), then each key the window writes gets its block.
        return new WriteGroup(writes, [], 0) { FromSnapshot = true, KvHeights = KvHeight.LastWrites(writes) };
    }

    /// <summary>
    /// Each transaction's outcome as execution decides it, from the blocks alone: the first copy of a hash in the window
    /// applies (unless its chat envelope does not verify), later copies are duplicates. What the window's first blocks
    /// repeat from below it is not known here; the tx index only answers "was it applied", which stays true.
    /// </summary>
    internal static TxOutcome[] Outcomes(Block block, HashSet<Hash32> applied)
    {
        // As BlockExecutor: a copy is a duplicate after an applied copy in an earlier block, or after any copy in this one.
        var outcomes = new TxOutcome[block.Transactions.Count];
        var here = new HashSet<Hash32>();
        for (int i = 0; i < outcomes.Length; i++)
        {
            Transaction tx = block.Transactions[i];
            outcomes[i] = applied.Contains(tx.Hash) || !here.Add(tx.Hash) ? TxOutcome.Duplicate
                : tx.Op == TxOp.Chat && ChatEnvelope.Check(tx.Key, tx.Value, out _) is not null ? TxOutcome.Rejected
                : TxOutcome.Applied;
        }

        for (int i = 0; i < outcomes.Length; i++)
        {
            if (outcomes[i] == TxOutcome.Applied)
            {
                applied.Add(block.Transactions[i].Hash);
            }
        }

        return outcomes;
    }
}
