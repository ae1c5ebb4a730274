using Aegis.Core.Crypto;
using Aegis.Core.Ledger;
using Aegis.Core.State;
using Npgsql;
using NpgsqlTypes;

namespace Aegis.Storage.Postgres;

/// <summary>
/// PostgreSQL engine for production. A block is written in one transaction with one batched round trip: the block
/// row, the state changes and the tx index go in as arrays (unnest), not a statement per row.
/// </summary>
public sealed class PostgresNodeStore : INodeStore
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly string _target;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private ChainTip? _tip;

    private readonly string? _schema;

    public PostgresNodeStore(string connectionString, string? schema = null)
    {
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = PostgresConnectionString.Parse(connectionString);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or UriFormatException)
        {
            throw new StorageException($"postgresql: the connection string is not valid ({ex.Message})", ex);
        }

        if (!string.IsNullOrEmpty(schema))
        {
            // Each node of a shared database keeps its tables in its own schema.
            builder.SearchPath = schema;
            _schema = schema;
        }

        _target = PostgresConnectionString.Describe(builder) + (string.IsNullOrEmpty(schema) ? "" : $" (schema {schema})");
        _dataSource = NpgsqlDataSource.Create(builder);
    }

    public string Engine => "postgresql";

    public string Target => _target;

    public async Task InitializeAsync(CancellationToken ct)
    {
        try
        {
            await using NpgsqlConnection c = await _dataSource.OpenConnectionAsync(ct);
            await using (NpgsqlCommand lockCmd = new("SELECT pg_advisory_lock(7301)", c))
            {
                // Two nodes starting against one database must not race on the schema.
                await lockCmd.ExecuteNonQueryAsync(ct);
            }

            if (_schema is not null)
            {
                await using NpgsqlCommand createSchema = new($"CREATE SCHEMA IF NOT EXISTS \"{_schema}\"", c);
                await createSchema.ExecuteNonQueryAsync(ct);
            }

            await using (NpgsqlCommand create = new(PostgresSchema.Create, c))
            {
                await create.ExecuteNonQueryAsync(ct);
            }

            await using (NpgsqlCommand get = new("SELECT value FROM aegis_meta WHERE key = 'schema_version'", c))
            {
                object? value = await get.ExecuteScalarAsync(ct);
                if (value is null)
                {
                    await using NpgsqlCommand set = new($"INSERT INTO aegis_meta(key, value) VALUES ('schema_version', '{ChainRules.SchemaVersion}')", c);
                    await set.ExecuteNonQueryAsync(ct);
                }
                else if (int.Parse((string)value, System.Globalization.CultureInfo.InvariantCulture) > ChainRules.SchemaVersion)
                {
                    throw new StorageException($"postgresql: {_target} has schema version {value}, this aegis knows up to {ChainRules.SchemaVersion}: upgrade aegis");
                }
            }

            await using (NpgsqlCommand unlock = new("SELECT pg_advisory_unlock(7301)", c))
            {
                await unlock.ExecuteNonQueryAsync(ct);
            }

            _tip = await ReadTipAsync(c, ct);
        }
        catch (NpgsqlException ex)
        {
            throw new StorageException($"postgresql: cannot use {_target}: {ex.Message}", ex);
        }
    }

    public Task<ChainTip> GetTipAsync(CancellationToken ct) => Task.FromResult(_tip ?? throw NotOpen());

    public async Task CommitBlockAsync(CommittedBlock committed, ExecutionResult result, CancellationToken ct)
    {
        await _writeLock.WaitAsync(ct);
        try
        {
            ChainRules.EnsureExtends(_tip ?? throw NotOpen(), committed, Engine);
            Block block = committed.Block;
            await using NpgsqlConnection c = await _dataSource.OpenConnectionAsync(ct);
            await using NpgsqlTransaction tx = await c.BeginTransactionAsync(ct);
            await using var batch = new NpgsqlBatch(c, tx);

            var insertBlock = new NpgsqlBatchCommand("INSERT INTO aegis_blocks(height, hash, block, certificate, state_root, timestamp_ms) VALUES ($1, $2, $3, $4, $5, $6)");
            insertBlock.Parameters.Add(new NpgsqlParameter<long> { TypedValue = (long)block.Height });
            insertBlock.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = block.Hash.ToArray() });
            insertBlock.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = block.ToBytes() });
            insertBlock.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = committed.Certificate.ToBytes() });
            insertBlock.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = result.StateRoot.ToArray() });
            insertBlock.Parameters.Add(new NpgsqlParameter<long> { TypedValue = block.Header.TimestampMs });
            batch.BatchCommands.Add(insertBlock);

            StateChange[] puts = [.. result.Changes.Where(x => x.Value is not null)];
            if (puts.Length > 0)
            {
                var upsert = new NpgsqlBatchCommand("INSERT INTO aegis_kv(key, value, height) SELECT k, v, $3 FROM unnest($1::bytea[], $2::bytea[]) AS t(k, v) ON CONFLICT (key) DO UPDATE SET value = excluded.value, height = excluded.height");
                upsert.Parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = [.. puts.Select(p => p.Key)] });
                upsert.Parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = [.. puts.Select(p => p.Value!)] });
                upsert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = (long)block.Height });
                batch.BatchCommands.Add(upsert);
            }

            byte[][] deletes = [.. result.Changes.Where(x => x.Value is null).Select(x => x.Key)];
            if (deletes.Length > 0)
            {
                var delete = new NpgsqlBatchCommand("DELETE FROM aegis_kv WHERE key = ANY($1)");
                delete.Parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = deletes });
                batch.BatchCommands.Add(delete);
            }

            if (block.Transactions.Count > 0)
            {
                var txs = new NpgsqlBatchCommand("INSERT INTO aegis_txs(hash, height, idx, outcome) SELECT h, $2, i, o FROM unnest($1::bytea[], $3::int[], $4::smallint[]) AS t(h, i, o) ON CONFLICT (hash) DO NOTHING");
                txs.Parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = [.. block.Transactions.Select(t => t.Hash.ToArray())] });
                txs.Parameters.Add(new NpgsqlParameter<long> { TypedValue = (long)block.Height });
                txs.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = [.. Enumerable.Range(0, block.Transactions.Count)] });
                txs.Parameters.Add(new NpgsqlParameter<short[]> { TypedValue = [.. result.Outcomes.Select(o => (short)o)] });
                batch.BatchCommands.Add(txs);
            }

            await batch.ExecuteNonQueryAsync(ct);
            await tx.CommitAsync(ct);
            _tip = new ChainTip(block.Height, block.Hash, result.StateRoot, block.Header.TimestampMs);
        }
        catch (NpgsqlException ex)
        {
            throw new StorageException($"postgresql: storing block {committed.Height} in {_target} failed: {ex.Message}", ex);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async Task<StoredBlock?> GetBlockAsync(ulong height, CancellationToken ct) =>
        await GetBlocksAsync(height, 1, ct) is [var first, ..] ? first : null;

    public async Task<IReadOnlyList<StoredBlock>> GetBlocksAsync(ulong fromHeight, int maxCount, CancellationToken ct)
    {
        await using NpgsqlCommand cmd = _dataSource.CreateCommand("SELECT block, certificate, state_root FROM aegis_blocks WHERE height >= $1 ORDER BY height LIMIT $2");
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = (long)fromHeight });
        cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = maxCount });
        var result = new List<StoredBlock>();
        await using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            result.Add(new StoredBlock(new CommittedBlock(Block.FromBytes((byte[])r[0]), CommitCertificate.FromBytes((byte[])r[1])), new Hash32((byte[])r[2])));
        }

        return result;
    }

    public async Task<KvEntry?> GetAsync(byte[] key, CancellationToken ct)
    {
        await using NpgsqlCommand cmd = _dataSource.CreateCommand("SELECT value, height FROM aegis_kv WHERE key = $1");
        cmd.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = key });
        await using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? new KvEntry(key, (byte[])r[0], (ulong)r.GetInt64(1)) : null;
    }

    public async Task<TxLocation?> GetTxAsync(Hash32 txHash, CancellationToken ct)
    {
        await using NpgsqlCommand cmd = _dataSource.CreateCommand("SELECT t.height, b.hash, t.idx, t.outcome FROM aegis_txs t JOIN aegis_blocks b ON b.height = t.height WHERE t.hash = $1");
        cmd.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = txHash.ToArray() });
        await using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? new TxLocation(txHash, (ulong)r.GetInt64(0), new Hash32((byte[])r[1]), r.GetInt32(2), (TxOutcome)r.GetInt16(3)) : null;
    }

    public async Task<IReadOnlySet<Hash32>> FindAppliedTxsAsync(IReadOnlyCollection<Hash32> txHashes, CancellationToken ct)
    {
        var found = new HashSet<Hash32>();
        if (txHashes.Count == 0)
        {
            return found;
        }

        await using NpgsqlCommand cmd = _dataSource.CreateCommand("SELECT hash FROM aegis_txs WHERE hash = ANY($1)");
        cmd.Parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = [.. txHashes.Select(h => h.ToArray())] });
        await using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            found.Add(new Hash32((byte[])r[0]));
        }

        return found;
    }

    public async Task AppendConsensusRecordAsync(IReadOnlyList<ConsensusRecordEntry> entries, CancellationToken ct)
    {
        if (entries.Count == 0)
        {
            return;
        }

        await using NpgsqlCommand cmd = _dataSource.CreateCommand("INSERT INTO aegis_consensus_record(height, data) SELECT h, d FROM unnest($1::bigint[], $2::bytea[]) WITH ORDINALITY AS t(h, d, n) ORDER BY n");
        cmd.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. entries.Select(e => (long)e.Height)] });
        cmd.Parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = [.. entries.Select(e => e.Data)] });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public async Task<IReadOnlyList<ConsensusRecordEntry>> ReadConsensusRecordAsync(CancellationToken ct)
    {
        await using NpgsqlCommand cmd = _dataSource.CreateCommand("SELECT height, data FROM aegis_consensus_record ORDER BY seq");
        var result = new List<ConsensusRecordEntry>();
        await using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            result.Add(new ConsensusRecordEntry((ulong)r.GetInt64(0), (byte[])r[1]));
        }

        return result;
    }

    public async Task TruncateConsensusRecordAsync(ulong belowHeight, CancellationToken ct)
    {
        await using NpgsqlCommand cmd = _dataSource.CreateCommand("DELETE FROM aegis_consensus_record WHERE height < $1");
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = (long)belowHeight });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public async ValueTask DisposeAsync()
    {
        await _dataSource.DisposeAsync();
        _writeLock.Dispose();
    }

    private static async Task<ChainTip> ReadTipAsync(NpgsqlConnection c, CancellationToken ct)
    {
        await using NpgsqlCommand cmd = new("SELECT height, hash, state_root, timestamp_ms FROM aegis_blocks ORDER BY height DESC LIMIT 1", c);
        await using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct)
            ? new ChainTip((ulong)r.GetInt64(0), new Hash32((byte[])r[1]), new Hash32((byte[])r[2]), r.GetInt64(3))
            : new ChainTip(0, Hash32.Zero, BlockExecutor.GenesisStateRoot, 0);
    }

    private StorageException NotOpen() => new($"postgresql: {_target} is not open (InitializeAsync was not called)");
}
