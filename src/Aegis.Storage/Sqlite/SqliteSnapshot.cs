using System.Runtime.CompilerServices;
using Aegis.Storage.Export;
using Microsoft.Data.Sqlite;

namespace Aegis.Storage.Sqlite;

/// <summary>
/// A read transaction on its own connection. In WAL mode the first read pins the database as of that instant: the
/// node's writer goes on appending to the WAL and this reader keeps seeing the old snapshot, so a backup of a running
/// node is consistent without stopping it and without an extra copy of the file (what <c>VACUUM INTO</c> or the
/// online backup API would write first). The cost: the WAL cannot be checkpointed past the snapshot while it is open.
/// </summary>
internal sealed class SqliteSnapshot : IStoreSnapshot
{
    private readonly SqliteConnection _connection;
    private readonly SqliteTransaction _tx;
    private readonly string _description;

    private SqliteSnapshot(SqliteConnection connection, SqliteTransaction tx, ChainTip tip, string description)
    {
        _connection = connection;
        _tx = tx;
        Tip = tip;
        _description = description;
    }

    public ChainTip Tip { get; }

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
            ChainTip tip = await r.ReadAsync(ct).ConfigureAwait(false) ? SqliteRows.Tip(r) : ChainTip.Empty;
            return new SqliteSnapshot(connection, tx, tip, description);
        }
        catch (SqliteException ex)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw new StorageException($"{description}: cannot open a snapshot: {ErrorText.Flatten(ex)}", ex);
        }
    }

    public async IAsyncEnumerable<StoredBlock> ReadBlocksAsync(ulong fromHeight, ulong toHeight, [EnumeratorCancellation] CancellationToken ct)
    {
        await using SqliteCommand cmd = Command("SELECT height, block, certificate, state_root FROM blocks WHERE height >= $from AND height <= $to ORDER BY height");
        cmd.Parameters.AddWithValue("$from", DbValues.Height(fromHeight));
        cmd.Parameters.AddWithValue("$to", DbValues.Height(toHeight));
        await using SqliteDataReader r = await ExecuteAsync(cmd, ct).ConfigureAwait(false);
        while (await ReadAsync(r, ct).ConfigureAwait(false))
        {
            yield return SqliteRows.Block(r);
        }
    }

    public async IAsyncEnumerable<KvEntry> ReadStateAsync([EnumeratorCancellation] CancellationToken ct)
    {
        await using SqliteCommand cmd = Command("SELECT key, value, height FROM kv ORDER BY key");
        await using SqliteDataReader r = await ExecuteAsync(cmd, ct).ConfigureAwait(false);
        while (await ReadAsync(r, ct).ConfigureAwait(false))
        {
            yield return new KvEntry((byte[])r[0], (byte[])r[1], DbValues.Height(r.GetInt64(2)));
        }
    }

    public async IAsyncEnumerable<TxLocation> ReadTxIndexAsync([EnumeratorCancellation] CancellationToken ct)
    {
        await using SqliteCommand cmd = Command("SELECT hash, height, idx, block_hash, outcome FROM txs");
        await using SqliteDataReader r = await ExecuteAsync(cmd, ct).ConfigureAwait(false);
        while (await ReadAsync(r, ct).ConfigureAwait(false))
        {
            yield return SqliteRows.Tx(r);
        }
    }

    public async Task<long> CountStateAsync(CancellationToken ct)
    {
        await using SqliteCommand cmd = Command("SELECT count(*) FROM kv");
        try
        {
            return (long)(await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
        }
        catch (SqliteException ex)
        {
            throw Damaged(ex);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _tx.DisposeAsync().ConfigureAwait(false);
        await _connection.DisposeAsync().ConfigureAwait(false);
    }

    private SqliteCommand Command(string sql)
    {
        SqliteCommand cmd = _connection.CreateCommand();
        cmd.Transaction = _tx;
        cmd.CommandText = sql;
        return cmd;
    }

    private async Task<SqliteDataReader> ExecuteAsync(SqliteCommand cmd, CancellationToken ct)
    {
        try
        {
            return await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        }
        catch (SqliteException ex)
        {
            throw Damaged(ex);
        }
    }

    private async Task<bool> ReadAsync(SqliteDataReader r, CancellationToken ct)
    {
        try
        {
            return await r.ReadAsync(ct).ConfigureAwait(false);
        }
        catch (SqliteException ex)
        {
            throw Damaged(ex);
        }
    }

    private StorageException Damaged(SqliteException ex) => new($"{_description}: read failed: {ErrorText.Flatten(ex)}", ex);
}
