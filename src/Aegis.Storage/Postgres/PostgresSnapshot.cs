using Aegis.Storage.Export;
using Npgsql;

namespace Aegis.Storage.Postgres;

/// <summary>
/// A <c>REPEATABLE READ READ ONLY</c> transaction on its own connection: every statement in it sees the database as
/// of its first read, so a backup taken while the node commits holds one tip and exactly the state after it. Rows
/// stream through <see cref="DbStoreSnapshot"/>, whose reads are shared with SQLite.
/// </summary>
internal static class PostgresSnapshot
{
    public static async Task<IStoreSnapshot> OpenAsync(NpgsqlDataSource dataSource, string description, CancellationToken ct)
    {
        NpgsqlConnection? connection = null;
        try
        {
            connection = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
            NpgsqlTransaction tx = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct).ConfigureAwait(false);
            await using (var readOnly = new NpgsqlCommand("SET TRANSACTION READ ONLY", connection, tx))
            {
                await readOnly.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }

            await using var cmd = new NpgsqlCommand("SELECT height, block_hash, state_root, timestamp_ms FROM tip WHERE id = 1", connection, tx);
            ChainTip tip;
            await using (NpgsqlDataReader r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false))
            {
                tip = await r.ReadAsync(ct).ConfigureAwait(false) ? PostgresRows.Tip(r) : throw StoreCorruptException.TipMissing();
            }

            return new DbStoreSnapshot(connection, tx, tip, description, r => PostgresRows.Block((NpgsqlDataReader)r), r => PostgresRows.Tx((NpgsqlDataReader)r));
        }
        catch (NpgsqlException ex)
        {
            if (connection is not null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }

            throw new StorageException($"{description}: cannot open a snapshot: {ErrorText.Flatten(ex)}", ex);
        }
    }
}
