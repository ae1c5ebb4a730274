using System.Runtime.CompilerServices;
using Aegis.Storage.Export;
using Npgsql;
using NpgsqlTypes;

namespace Aegis.Storage.Postgres;

/// <summary>
/// A <c>REPEATABLE READ READ ONLY</c> transaction on its own connection: every statement in it sees the database as
/// of its first read, so a backup taken while the node commits holds one tip and exactly the state after it. Rows
/// stream; one reader is open at a time, so the enumerations are consumed one after another.
/// </summary>
internal sealed class PostgresSnapshot : IStoreSnapshot
{
    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlTransaction _tx;
    private readonly string _description;

    private PostgresSnapshot(NpgsqlConnection connection, NpgsqlTransaction tx, ChainTip tip, string description)
    {
        _connection = connection;
        _tx = tx;
        Tip = tip;
        _description = description;
    }

    public ChainTip Tip { get; }

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
            ChainTip tip = ChainTip.Empty;
            await using (NpgsqlDataReader r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false))
            {
                if (await r.ReadAsync(ct).ConfigureAwait(false))
                {
                    tip = PostgresRows.Tip(r);
                }
            }

            return new PostgresSnapshot(connection, tx, tip, description);
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

    public async IAsyncEnumerable<StoredBlock> ReadBlocksAsync(ulong fromHeight, ulong toHeight, [EnumeratorCancellation] CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("SELECT height, block, certificate, state_root FROM blocks WHERE height >= $1 AND height <= $2 ORDER BY height", _connection, _tx);
        cmd.Parameters.Add(new NpgsqlParameter { Value = DbValues.Height(fromHeight), NpgsqlDbType = NpgsqlDbType.Bigint });
        cmd.Parameters.Add(new NpgsqlParameter { Value = DbValues.Height(toHeight), NpgsqlDbType = NpgsqlDbType.Bigint });
        await foreach (StoredBlock b in StreamAsync(cmd, PostgresRows.Block, ct).ConfigureAwait(false))
        {
            yield return b;
        }
    }

    public async IAsyncEnumerable<KvEntry> ReadStateAsync([EnumeratorCancellation] CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("SELECT key, value, height FROM kv ORDER BY key", _connection, _tx);
        await foreach (KvEntry e in StreamAsync(cmd, r => new KvEntry(r.GetFieldValue<byte[]>(0), r.GetFieldValue<byte[]>(1), DbValues.Height(r.GetInt64(2))), ct).ConfigureAwait(false))
        {
            yield return e;
        }
    }

    public async IAsyncEnumerable<TxLocation> ReadTxIndexAsync([EnumeratorCancellation] CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("SELECT hash, height, idx, block_hash, outcome FROM txs", _connection, _tx);
        await foreach (TxLocation t in StreamAsync(cmd, PostgresRows.Tx, ct).ConfigureAwait(false))
        {
            yield return t;
        }
    }

    public async Task<long> CountStateAsync(CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("SELECT count(*) FROM kv", _connection, _tx);
        try
        {
            return (long)(await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
        }
        catch (NpgsqlException ex)
        {
            throw new StorageException($"{_description}: read failed: {ErrorText.Flatten(ex)}", ex);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _tx.DisposeAsync().ConfigureAwait(false);
        await _connection.DisposeAsync().ConfigureAwait(false);
    }

    private async IAsyncEnumerable<T> StreamAsync<T>(NpgsqlCommand cmd, Func<NpgsqlDataReader, T> map, [EnumeratorCancellation] CancellationToken ct)
    {
        NpgsqlDataReader r;
        try
        {
            r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        }
        catch (NpgsqlException ex)
        {
            throw new StorageException($"{_description}: read failed: {ErrorText.Flatten(ex)}", ex);
        }

        await using (r.ConfigureAwait(false))
        {
            while (true)
            {
                try
                {
                    if (!await r.ReadAsync(ct).ConfigureAwait(false))
                    {
                        yield break;
                    }
                }
                catch (NpgsqlException ex)
                {
                    throw new StorageException($"{_description}: read failed: {ErrorText.Flatten(ex)}", ex);
                }

                yield return map(r);
            }
        }
    }
}
