using Aegis.Core.Crypto;
using Aegis.Core.Ledger;
using Aegis.Core.State;

namespace Aegis.Storage;

/// <summary>One tx-index row a block contributes: the transaction's hash, its position, and what it did.</summary>
internal readonly record struct TxIndexRow(Hash32 Hash, int Index, TxOutcome Outcome)
{
    /// <summary>
    /// One row per distinct hash. The index answers "where was this applied", so a copy that was applied wins over a
    /// duplicate copy of the same hash; otherwise the first copy wins. The same rule holds against older rows (see the
    /// upsert statements), which keeps a later duplicate from hiding where the transaction really took effect.
    /// </summary>
    public static List<TxIndexRow> From(Block block, ExecutionResult result)
    {
        var rows = new List<TxIndexRow>(block.Transactions.Count);
        var positions = new Dictionary<Hash32, int>(block.Transactions.Count);
        for (int i = 0; i < block.Transactions.Count; i++)
        {
            var row = new TxIndexRow(block.Transactions[i].Hash, i, result.Outcomes[i]);
            if (!positions.TryGetValue(row.Hash, out int at))
            {
                positions.Add(row.Hash, rows.Count);
                rows.Add(row);
            }
            else if (rows[at].Outcome != TxOutcome.Applied && row.Outcome == TxOutcome.Applied)
            {
                rows[at] = row;
            }
        }

        return rows;
    }
}
