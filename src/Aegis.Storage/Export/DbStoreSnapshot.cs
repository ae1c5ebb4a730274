using System.Data.Common;
using System.Runtime.CompilerServices;
using Aegis.Storage.Auxiliary;

namespace Aegis.Storage.Export;

/// <summary>
/// The reads of a snapshot, on either engine: the engine opens its own kind of read-only transaction (SQLite: a WAL read
/// transaction; PostgreSQL: REPEATABLE READ READ ONLY) and reads the tip, then hands the connection and transaction here.
/// Only the row decoders differ between engines, so they are passed in. One reader is open at a time, so the
/// enumerations are consumed one after another. Owns the connection and the transaction.
/// </summary>
internal sealed class DbStoreSnapshot(
    DbConnection connection,
    DbTransaction tx,
    ChainTip tip,
    string description,
    Func<DbDataReader, StoredBlock> block,
    Func<DbDataReader, TxLocation> txLocation) : IStoreSnapshot
{
    public ChainTip Tip { get; } = tip;

    public IAsyncEnumerable<StoredBlock> ReadBlocksAsync(ulong fromHeight, ulong toHeight, CancellationToken ct) =>
        StreamAsync(
            $"SELECT {StoredBlockRow.Columns} FROM blocks WHERE height >= @from AND height <= @to ORDER BY height",
            block,
            ct,
            ("@from", DbValues.Height(fromHeight)),
            ("@to", DbValues.Height(toHeight)));

    public IAsyncEnumerable<KvEntry> ReadStateAsync(CancellationToken ct) =>
        StreamAsync("SELECT key, value, height FROM kv ORDER BY key", r => new KvEntry(r.GetFieldValue<byte[]>(0), r.GetFieldValue<byte[]>(1), DbValues.Height(r.GetInt64(2))), ct);

    public IAsyncEnumerable<TxLocation> ReadTxIndexAsync(CancellationToken ct) =>
        StreamAsync("SELECT hash, height, idx, block_hash, outcome FROM txs", txLocation, ct);

    public IAsyncEnumerable<ConsensusRecordEntry> ReadConsensusRecordAsync(CancellationToken ct) =>
        StreamAsync("SELECT height, data FROM consensus_record ORDER BY seq", r => new ConsensusRecordEntry(DbValues.Height(r.GetInt64(0)), r.GetFieldValue<byte[]>(1)), ct);

    public async Task<long> CountStateAsync(CancellationToken ct)
    {
        await using DbCommand cmd = connection.Command("SELECT count(*) FROM kv", tx);
        try
        {
            return Convert.ToInt64(await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (DbException ex)
        {
            throw Damaged(ex);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await tx.DisposeAsync().ConfigureAwait(false);
        await connection.DisposeAsync().ConfigureAwait(false);
    }

    private async IAsyncEnumerable<T> StreamAsync<T>(string sql, Func<DbDataReader, T> map, [EnumeratorCancellation] CancellationToken ct, params (string Name, object? Value)[] parameters)
    {
        await using DbCommand cmd = connection.Command(sql, tx, parameters);
        DbDataReader r;
        try
        {
            r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        }
        catch (DbException ex)
        {
            throw Damaged(ex);
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
                catch (DbException ex)
                {
                    throw Damaged(ex);
                }

                yield return map(r);
            }
        }
    }

    private StorageException Damaged(DbException ex) => new($"{description}: read failed: {ErrorText.Flatten(ex)}", ex);
}
