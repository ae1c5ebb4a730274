using Aegis.Core.Crypto;
using Aegis.Core.Ledger;
using Aegis.Core.State;
using Microsoft.Data.Sqlite;

namespace Aegis.Storage.Sqlite;

/// <summary>
/// The embedded default: one SQLite file (aegis.db) in the data directory, WAL journal. One writer connection with
/// prepared commands (the node's event loop is the only writer); reads open pooled connections so the API never
/// waits on a block commit.
/// <para>
/// synchronous=FULL: in WAL mode NORMAL may lose the last transactions on power loss, and a node must never
/// acknowledge a block it could forget. The cost is one fsync per block, not per transaction.
/// </para>
/// </summary>
public sealed class SqliteNodeStore : INodeStore
{
    private readonly string _path;
    private readonly string _connectionString;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private SqliteConnection? _writer;
    private SqliteCommand? _insertBlock;
    private SqliteCommand? _upsertKv;
    private SqliteCommand? _deleteKv;
    private SqliteCommand? _insertTx;
    private ChainTip? _tip;

    public SqliteNodeStore(string dataDirectory)
    {
        _path = Path.GetFullPath(Path.Combine(dataDirectory, "aegis.db"));
        _connectionString = new SqliteConnectionStringBuilder { DataSource = _path, Cache = SqliteCacheMode.Private, Pooling = true, DefaultTimeout = 30 }.ToString();
    }

    public string Engine => "sqlite";

    public string Target => _path;

    public async Task InitializeAsync(CancellationToken ct)
    {
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
            _writer = new SqliteConnection(_connectionString);
            await _writer.OpenAsync(ct);
            await ExecAsync(_writer, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=30000; PRAGMA foreign_keys=ON;", ct);
            await ExecAsync(_writer, SqliteSchema.Create, ct);
            await CheckSchemaVersionAsync(ct);
        }
        catch (SqliteException ex)
        {
            throw new StorageException($"sqlite: cannot open {_path}: {ex.Message}", ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new StorageException($"sqlite: cannot open {_path}: {ex.Message}", ex);
        }

        _insertBlock = Prepare("INSERT INTO blocks(height, hash, block, certificate, state_root, timestamp_ms) VALUES ($h, $hash, $block, $cert, $root, $ts)", "$h", "$hash", "$block", "$cert", "$root", "$ts");
        _upsertKv = Prepare("INSERT INTO kv(key, value, height) VALUES ($k, $v, $h) ON CONFLICT(key) DO UPDATE SET value = excluded.value, height = excluded.height", "$k", "$v", "$h");
        _deleteKv = Prepare("DELETE FROM kv WHERE key = $k", "$k");
        _insertTx = Prepare("INSERT OR IGNORE INTO txs(hash, height, idx, outcome) VALUES ($hash, $h, $i, $o)", "$hash", "$h", "$i", "$o");
        _tip = await ReadTipAsync(_writer, ct);
    }

    private async Task CheckSchemaVersionAsync(CancellationToken ct)
    {
        await using SqliteCommand get = _writer!.CreateCommand();
        get.CommandText = "SELECT value FROM meta WHERE key = 'schema_version'";
        object? value = await get.ExecuteScalarAsync(ct);
        if (value is null)
        {
            await ExecAsync(_writer, $"INSERT INTO meta(key, value) VALUES ('schema_version', '{ChainRules.SchemaVersion}')", ct);
            return;
        }

        int version = int.Parse((string)value, System.Globalization.CultureInfo.InvariantCulture);
        if (version > ChainRules.SchemaVersion)
        {
            throw new StorageException($"sqlite: {_path} has schema version {version}, this aegis knows up to {ChainRules.SchemaVersion}: upgrade aegis");
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
            await using SqliteTransaction tx = (SqliteTransaction)await _writer!.BeginTransactionAsync(ct);
            Bind(_insertBlock!, tx, (long)block.Height, block.Hash.ToArray(), block.ToBytes(), committed.Certificate.ToBytes(), result.StateRoot.ToArray(), block.Header.TimestampMs);
            await _insertBlock!.ExecuteNonQueryAsync(ct);
            foreach (StateChange change in result.Changes)
            {
                if (change.Value is null)
                {
                    Bind(_deleteKv!, tx, change.Key);
                    await _deleteKv!.ExecuteNonQueryAsync(ct);
                }
                else
                {
                    Bind(_upsertKv!, tx, change.Key, change.Value, (long)block.Height);
                    await _upsertKv!.ExecuteNonQueryAsync(ct);
                }
            }

            for (int i = 0; i < block.Transactions.Count; i++)
            {
                Bind(_insertTx!, tx, block.Transactions[i].Hash.ToArray(), (long)block.Height, i, (int)result.Outcomes[i]);
                await _insertTx!.ExecuteNonQueryAsync(ct);
            }

            await tx.CommitAsync(ct);
            _tip = new ChainTip(block.Height, block.Hash, result.StateRoot, block.Header.TimestampMs);
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
        await using SqliteConnection c = await OpenReaderAsync(ct);
        await using SqliteCommand cmd = c.CreateCommand();
        cmd.CommandText = "SELECT block, certificate, state_root FROM blocks WHERE height >= $from ORDER BY height LIMIT $max";
        cmd.Parameters.AddWithValue("$from", (long)fromHeight);
        cmd.Parameters.AddWithValue("$max", maxCount);
        var result = new List<StoredBlock>();
        await using SqliteDataReader r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            result.Add(new StoredBlock(new CommittedBlock(Block.FromBytes((byte[])r[0]), CommitCertificate.FromBytes((byte[])r[1])), new Hash32((byte[])r[2])));
        }

        return result;
    }

    public async Task<KvEntry?> GetAsync(byte[] key, CancellationToken ct)
    {
        await using SqliteConnection c = await OpenReaderAsync(ct);
        await using SqliteCommand cmd = c.CreateCommand();
        cmd.CommandText = "SELECT value, height FROM kv WHERE key = $k";
        cmd.Parameters.AddWithValue("$k", key);
        await using SqliteDataReader r = await cmd.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? new KvEntry(key, (byte[])r[0], (ulong)r.GetInt64(1)) : null;
    }

    public async Task<TxLocation?> GetTxAsync(Hash32 txHash, CancellationToken ct)
    {
        await using SqliteConnection c = await OpenReaderAsync(ct);
        await using SqliteCommand cmd = c.CreateCommand();
        cmd.CommandText = "SELECT t.height, b.hash, t.idx, t.outcome FROM txs t JOIN blocks b ON b.height = t.height WHERE t.hash = $h";
        cmd.Parameters.AddWithValue("$h", txHash.ToArray());
        await using SqliteDataReader r = await cmd.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? new TxLocation(txHash, (ulong)r.GetInt64(0), new Hash32((byte[])r[1]), r.GetInt32(2), (TxOutcome)r.GetInt32(3)) : null;
    }

    public async Task<IReadOnlySet<Hash32>> FindAppliedTxsAsync(IReadOnlyCollection<Hash32> txHashes, CancellationToken ct)
    {
        var found = new HashSet<Hash32>();
        if (txHashes.Count == 0)
        {
            return found;
        }

        await using SqliteConnection c = await OpenReaderAsync(ct);

        // SQLite has no array parameters: look the hashes up in chunks through a VALUES list.
        foreach (Hash32[] chunk in txHashes.Chunk(500))
        {
            await using SqliteCommand cmd = c.CreateCommand();
            var names = new string[chunk.Length];
            for (int i = 0; i < chunk.Length; i++)
            {
                names[i] = $"$p{i}";
                cmd.Parameters.AddWithValue(names[i], chunk[i].ToArray());
            }

            cmd.CommandText = $"SELECT hash FROM txs WHERE hash IN ({string.Join(',', names)})";
            await using SqliteDataReader r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                found.Add(new Hash32((byte[])r[0]));
            }
        }

        return found;
    }

    public async Task AppendConsensusRecordAsync(IReadOnlyList<ConsensusRecordEntry> entries, CancellationToken ct)
    {
        if (entries.Count == 0)
        {
            return;
        }

        await _writeLock.WaitAsync(ct);
        try
        {
            await using SqliteTransaction tx = (SqliteTransaction)await _writer!.BeginTransactionAsync(ct);
            await using SqliteCommand cmd = _writer.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = "INSERT INTO consensus_record(height, data) VALUES ($h, $d)";
            SqliteParameter h = cmd.Parameters.Add("$h", SqliteType.Integer);
            SqliteParameter d = cmd.Parameters.Add("$d", SqliteType.Blob);
            foreach (ConsensusRecordEntry e in entries)
            {
                h.Value = (long)e.Height;
                d.Value = e.Data;
                await cmd.ExecuteNonQueryAsync(ct);
            }

            await tx.CommitAsync(ct);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async Task<IReadOnlyList<ConsensusRecordEntry>> ReadConsensusRecordAsync(CancellationToken ct)
    {
        await using SqliteConnection c = await OpenReaderAsync(ct);
        await using SqliteCommand cmd = c.CreateCommand();
        cmd.CommandText = "SELECT height, data FROM consensus_record ORDER BY seq";
        var result = new List<ConsensusRecordEntry>();
        await using SqliteDataReader r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            result.Add(new ConsensusRecordEntry((ulong)r.GetInt64(0), (byte[])r[1]));
        }

        return result;
    }

    public async Task TruncateConsensusRecordAsync(ulong belowHeight, CancellationToken ct)
    {
        await _writeLock.WaitAsync(ct);
        try
        {
            await using SqliteCommand cmd = _writer!.CreateCommand();
            cmd.CommandText = "DELETE FROM consensus_record WHERE height < $h";
            cmd.Parameters.AddWithValue("$h", (long)belowHeight);
            await cmd.ExecuteNonQueryAsync(ct);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (SqliteCommand? c in new[] { _insertBlock, _upsertKv, _deleteKv, _insertTx })
        {
            if (c is not null)
            {
                await c.DisposeAsync();
            }
        }

        if (_writer is not null)
        {
            await _writer.DisposeAsync();
        }

        _writeLock.Dispose();
    }

    private async Task<SqliteConnection> OpenReaderAsync(CancellationToken ct)
    {
        var c = new SqliteConnection(_connectionString);
        await c.OpenAsync(ct);
        return c;
    }

    private SqliteCommand Prepare(string sql, params string[] parameters)
    {
        SqliteCommand cmd = _writer!.CreateCommand();
        cmd.CommandText = sql;
        foreach (string p in parameters)
        {
            cmd.Parameters.Add(new SqliteParameter { ParameterName = p });
        }

        cmd.Prepare();
        return cmd;
    }

    private static void Bind(SqliteCommand cmd, SqliteTransaction tx, params object[] values)
    {
        cmd.Transaction = tx;
        for (int i = 0; i < values.Length; i++)
        {
            cmd.Parameters[i].Value = values[i];
        }
    }

    private static async Task ExecAsync(SqliteConnection c, string sql, CancellationToken ct)
    {
        await using SqliteCommand cmd = c.CreateCommand();
        cmd.CommandText = sql;
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private static async Task<ChainTip> ReadTipAsync(SqliteConnection c, CancellationToken ct)
    {
        await using SqliteCommand cmd = c.CreateCommand();
        cmd.CommandText = "SELECT height, hash, state_root, timestamp_ms FROM blocks ORDER BY height DESC LIMIT 1";
        await using SqliteDataReader r = await cmd.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct)
            ? new ChainTip((ulong)r.GetInt64(0), new Hash32((byte[])r[1]), new Hash32((byte[])r[2]), r.GetInt64(3))
            : new ChainTip(0, Hash32.Zero, BlockExecutor.GenesisStateRoot, 0);
    }

    private StorageException NotOpen() => new($"sqlite: {_path} is not open (InitializeAsync was not called)");
}
