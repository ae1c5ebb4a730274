using Aegis.Core.Encoding;
using Aegis.Core.Ledger;
using Aegis.Core.State;
using Npgsql;

namespace Aegis.Storage.Postgres;

/// <summary>Turns result rows back into ledger types; a row that no longer decodes is reported as damage, not as a crash.</summary>
internal static class PostgresRows
{
    /// <summary>Columns: height, block_hash, state_root, timestamp_ms.</summary>
    public static ChainTip Tip(NpgsqlDataReader r) =>
        new(DbValues.Height(r.GetInt64(0)), DbValues.Hash(r.GetFieldValue<byte[]>(1)), DbValues.Hash(r.GetFieldValue<byte[]>(2)), r.GetInt64(3));

    /// <summary>Columns: <see cref="StoredBlockRow.Columns"/>. Checked against its stored hash (<see cref="StoredBlockRow"/>).</summary>
    public static StoredBlock Block(NpgsqlDataReader r) =>
        StoredBlockRow.Decode(DbValues.Height(r.GetInt64(0)), r.GetFieldValue<byte[]>(1), r.GetFieldValue<byte[]>(2), r.GetFieldValue<byte[]>(3), r.GetFieldValue<byte[]>(4));

    /// <summary>Columns: hash, height, idx, block_hash, outcome.</summary>
    public static TxLocation Tx(NpgsqlDataReader r) =>
        new(DbValues.Hash(r.GetFieldValue<byte[]>(0)), DbValues.Height(r.GetInt64(1)), DbValues.Hash(r.GetFieldValue<byte[]>(3)), r.GetInt32(2), (TxOutcome)r.GetInt16(4));
}
