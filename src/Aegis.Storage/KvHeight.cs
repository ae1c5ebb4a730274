using Aegis.Core.Ledger;
using Aegis.Core.State;

namespace Aegis.Storage;

/// <summary>
/// A kv row's height learnt from blocks below what the store wrote it with (<see cref="WriteGroup.KvHeights"/>): a
/// snapshot installs its whole state at height 0 ("written below this store's history"; no block has height 0), then
/// each key's last applied write among the blocks it holds — the snapshot's window, later each backfilled chunk —
/// replaces the 0. Backfill goes newest first, so the first write of a key met below the history is its last one.
/// </summary>
public sealed record KvHeight(byte[] Key, ulong Height)
{
    /// <summary>
    /// Each key's last applied put or delete in <paramref name="writes"/> (ascending heights), one entry per key, puts
    /// only: a key whose last write there deletes it is either absent from the state or re-written above, where its
    /// height is already known. The order of the entries does not matter (each key once).
    /// </summary>
    public static IReadOnlyList<KvHeight> LastWrites(IReadOnlyList<BlockWrite> writes)
    {
        ArgumentNullException.ThrowIfNull(writes);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var heights = new List<KvHeight>();
        for (int b = writes.Count - 1; b >= 0; b--)
        {
            Block block = writes[b].Block;
            IReadOnlyList<TxOutcome> outcomes = writes[b].Result.Outcomes;
            for (int i = block.Transactions.Count - 1; i >= 0; i--)
            {
                Transaction tx = block.Transactions[i];
                if (outcomes[i] != TxOutcome.Applied || tx.Op is not (TxOp.Put or TxOp.Delete) || !seen.Add(Convert.ToBase64String(tx.Key)))
                {
                    continue;
                }

                if (tx.Op == TxOp.Put)
                {
                    heights.Add(new KvHeight(tx.Key.ToArray(), block.Height));
                }
            }
        }

        return heights;
    }
}
