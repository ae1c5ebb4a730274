using Aegis.Core.Encoding;
using Aegis.Core.Ledger;
using Aegis.Core.State;
using Microsoft.Data.Sqlite;

namespace Aegis.Storage.Sqlite;

/// <summary>Turns result rows back into ledger types; a row that no longer decodes is reported as damage, not as a crash.</summary>
internal static class SqliteRows
{
    /// <summary>Columns: height, block_hash, state_root, timestamp_ms.</summary>
    public static ChainTip Tip(SqliteDataReader r) =>
        new(DbValues.Height(r.GetInt64(0)), DbValues.Hash((byte[])r[1]), DbValues.Hash((byte[])r[2]), r.GetInt64(3));

    /// <summary>Columns: <see cref="StoredBlockRow.Columns"/>. Checked against its stored hash (<see cref="StoredBlockRow"/>).</summary>
    public static StoredBlock Block(SqliteDataReader r) =>
        StoredBlockRow.Decode(DbValues.Height(r.GetInt64(0)), (byte[])r[1], (byte[])r[2], (byte[])r[3], (byte[])r[4]);

    /// <summary>Columns: hash, height, idx, block_hash, outcome.</summary>
    public static TxLocation Tx(SqliteDataReader r) =>
        new(DbValues.Hash((byte[])r[0]), DbValues.Height(r.GetInt64(1)), DbValues.Hash((byte[])r[3]), r.GetInt32(2), (TxOutcome)r.GetInt32(4));
}
