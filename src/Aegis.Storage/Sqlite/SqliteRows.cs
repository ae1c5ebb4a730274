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

    /// <summary>Columns: height, block, certificate, state_root.</summary>
    public static StoredBlock Block(SqliteDataReader r)
    {
        long height = r.GetInt64(0);
        try
        {
            return new StoredBlock(Core.Ledger.Block.FromBytes((byte[])r[1]), CommitCertificate.FromBytes((byte[])r[2]), DbValues.Hash((byte[])r[3]));
        }
        catch (CodecException ex)
        {
            throw new StorageException($"the stored block at height {height} does not decode ({ex.Message}); the database is damaged", ex);
        }
    }

    /// <summary>Columns: hash, height, idx, block_hash, outcome.</summary>
    public static TxLocation Tx(SqliteDataReader r) =>
        new(DbValues.Hash((byte[])r[0]), DbValues.Height(r.GetInt64(1)), DbValues.Hash((byte[])r[3]), r.GetInt32(2), (TxOutcome)r.GetInt32(4));
}
