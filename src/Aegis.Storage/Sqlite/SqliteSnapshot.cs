using Aegis.Storage.Export;
using Microsoft.Data.Sqlite;

namespace Aegis.Storage.Sqlite;

/// <summary>
/// A read transaction on its own connection. In WAL mode the first read pins the database as of that instant: the
/// node's writer goes on appending to the WAL and this reader keeps seeing the old snapshot, so a backup of a running
/// node is consistent without stopping it and without an extra copy of the file (what <c>VACUUM INTO</c> or the
/// online backup API would write first). The cost: the WAL cannot be checkpointed past the snapshot while it is open.
/// The reads themselves are <see cref="DbStoreSnapshot"/>'s, shared with PostgreSQL.
/// </summary>
internal static class SqliteSnapshot
{
    public static async Task<IStoreSnapshot> OpenAsync(string connectionString, string description, CancellationToken ct)
    {
        var connection = new SqliteConnection(connectionString);
        try
        {
            await connection.OpenAsync(ct).ConfigureAwait(false);
            SqliteTransaction tx = connection.BeginTransaction(deferred: true);
            await using SqliteCommand cmd = connection.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = "SELECT height, block_hash, state_root, timestamp_ms FROM tip WHERE id = 1";
            await using SqliteDataReader r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
            ChainTip tip = await r.ReadAsync(ct).ConfigureAwait(false) ? SqliteRows.Tip(r) : throw StoreCorruptException.TipMissing();
            return new DbStoreSnapshot(connection, tx, tip, description, r => SqliteRows.Block((SqliteDataReader)r), r => SqliteRows.Tx((SqliteDataReader)r));
        }
        catch (SqliteException ex)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw new StorageException($"{description}: cannot open a snapshot: {ErrorText.Flatten(ex)}", ex);
        }
    }
}
