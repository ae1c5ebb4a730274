using Aegis.Core.Crypto;
using Aegis.Core.Ledger;
using Aegis.Core.State;
using Aegis.Core.State.Commitment;
using Aegis.Storage.Export;
using Aegis.Storage.StateNodes;
using Microsoft.Data.Sqlite;

namespace Aegis.Storage.Sqlite;

/// <summary>
/// The embedded default: one file, <c>aegis.db</c>, in the node's data directory, in WAL mode so readers (API, sync)
/// never wait for the writer. One long-lived connection writes, behind a lock, with prepared statements; every read
/// borrows a pooled connection and sees the last committed snapshot.
/// </summary>
public sealed class SqliteNodeStore : INodeStore, IStoreSnapshots
{
    public const string FileName = "aegis.db";

    // 2000 host parameters per statement stays under SQLite's limit (32766 since 3.32) with room to spare.
    private const int LookupChunk = 500;

    /// <summary>
    /// FULL (the WAL is fsynced at every commit), chosen after measuring both on this project's dev machine (ext4,
    /// Release build): a 2000-tx block took 31–35 ms median with FULL and 32–34 ms with NORMAL — the one fsync is
    /// lost in the cost of writing ~4000 rows — while a 1-tx block took 0.48 ms against 0.10 ms. NORMAL survives a
    /// process crash but may lose the last commits on power loss, and that is exactly what the consensus record must
    /// not lose: a replica that forgot a vote it sent could sign a conflicting one after a reboot. Blocks already
    /// acknowledged to clients must not vanish either. Both are worth ~0.4 ms per commit.
    /// </summary>
    private const SqliteSynchronous DefaultSynchronous = SqliteSynchronous.Full;

    /// <summary>
    /// The page cache of the writer and of the state tree's reader, each (SQLite's default is 2 MiB). The tree's rows
    /// are keyed by random hashes, so a block's inserts and stale marks land on pages all over the table; measured in
    /// bench/README.md ("State commitment"). A ceiling, not an allocation: SQLite fills it as pages are read.
    /// </summary>
    public const int PageCacheMib = 64;

    private readonly string _connectionString;
    private readonly string _directory;
    private readonly Hash32? _genesisHash;
    private readonly SqliteSynchronous _synchronous;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private SqliteConnection? _writer;
    private SqliteWriteCommands? _commands;

    // The state tree's reads come from execution (synchronous, one at a time) and from proofs: one connection of their own.
    private SqliteConnection? _treeConnection;
    private SqliteTreeNodeStore? _treeReader;
    private TreeNodeCache? _stateNodes;

    public SqliteNodeStore(string dataDirectory, Hash32? genesisHash = null)
        : this(dataDirectory, genesisHash, DefaultSynchronous)
    {
    }

    internal SqliteNodeStore(string dataDirectory, Hash32? genesisHash, SqliteSynchronous synchronous)
    {
        _directory = Path.GetFullPath(dataDirectory);
        FilePath = Path.Combine(_directory, FileName);
        _genesisHash = genesisHash;
        _synchronous = synchronous;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = FilePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,

            // Seconds a statement retries while another connection holds the write lock (a backup, a second tool).
            DefaultTimeout = 30,
        }.ToString();
    }

    public string FilePath { get; }

    public string Description => $"sqlite store {FilePath}";

    public async Task InitializeAsync(CancellationToken ct)
    {
        if (_writer is not null)
        {
            return;
        }

        SqliteConnection? connection = null;
        try
        {
            Directory.CreateDirectory(_directory);
            connection = new SqliteConnection(_connectionString);
            await connection.OpenAsync(ct).ConfigureAwait(false);
            await ConfigureAsync(connection, ct).ConfigureAwait(false);
            await SqliteSchema.EnsureAsync(connection, Description, ct).ConfigureAwait(false);
            _commands = new SqliteWriteCommands(connection);
            _treeConnection = new SqliteConnection(_connectionString);
            await _treeConnection.OpenAsync(ct).ConfigureAwait(false);
            await using (SqliteCommand cache = _treeConnection.CreateCommand())
            {
                cache.CommandText = $"PRAGMA cache_size = -{PageCacheMib * 1024}";
                await cache.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }

            _treeReader = new SqliteTreeNodeStore(_treeConnection);
            _stateNodes = new TreeNodeCache(new LockedTreeNodeReader(_treeReader, _treeConnection));
            _writer = connection;
        }
        catch (Exception ex) when (ex is SqliteException or IOException or UnauthorizedAccessException)
        {
            if (connection is not null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }

            throw new StorageException($"{Description}: cannot open the database: {ErrorText.Flatten(ex)}", ex);
        }
        catch
        {
            if (connection is not null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }
    }

    public ITreeNodeReader StateNodes
    {
        get
        {
            Writer();
            return _stateNodes!;
        }
    }

    public async Task<ChainTip> GetTipAsync(CancellationToken ct)
    {
        await using SqliteConnection c = await OpenReaderAsync(ct).ConfigureAwait(false);
        await using SqliteCommand cmd = c.CreateCommand();
        cmd.CommandText = "SELECT height, block_hash, state_root, timestamp_ms FROM tip WHERE id = 1";
        await using SqliteDataReader r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        return await r.ReadAsync(ct).ConfigureAwait(false) ? SqliteRows.Tip(r) : throw StoreCorruptException.TipMissing();
    }

    public async Task WriteGroupAsync(WriteGroup group, CancellationToken ct)
    {
        if (group.IsEmpty)
        {
            return;
        }

        (SqliteConnection writer, SqliteWriteCommands commands) = Writer();
        await _writeLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            // Blocks, record and truncation in one transaction: one fsync for a whole batch of consensus work.
            // BEGIN IMMEDIATE: each tip read below cannot go stale before the writes that depend on it.
            using SqliteTransaction tx = writer.BeginTransaction(deferred: false);
            if (group.History.Count > 0)
            {
                StoredBlock? first = commands.ReadFirst(tx);
                ChainRules.CheckHistory(first?.Height ?? 0, first?.Block.Header.PreviousHash ?? Hash32.Zero, group.History, _genesisHash);
                foreach (BlockWrite h in group.History)
                {
                    commands.WriteHistoryBlock(tx, h.Block, h.Certificate, h.Result);
                }
            }

            ChainTip? snapshotStart = group.FromSnapshot ? ChainRules.SnapshotStart(commands.ReadTip(tx), group) : null;
            foreach (BlockWrite b in group.Blocks)
            {
                ChainRules.CheckExtends(snapshotStart ?? commands.ReadTip(tx), b.Block, b.Certificate, b.Result, _genesisHash);
                snapshotStart = null;
                commands.WriteBlock(tx, b.Block, b.Certificate, b.Result, belowHistory: group.FromSnapshot && ReferenceEquals(b, group.Blocks[^1]));
            }

            commands.SetKvHeights(tx, group.KvHeights);

            foreach (ConsensusRecordEntry entry in group.Record)
            {
                commands.AppendRecord(tx, entry);
            }

            if (group.TruncateRecordBelow > 0)
            {
                commands.TruncateRecord(tx, group.TruncateRecordBelow);
            }

            if (group.PruneStateNodesUpTo > 0)
            {
                commands.PruneStateNodes(tx, group.PruneStateNodesUpTo);
            }

            tx.Commit();
            foreach (BlockWrite b in group.Blocks)
            {
                _stateNodes!.AddRange(b.Result.Tree.NewNodes);
            }
        }
        catch (SqliteException ex)
        {
            throw new StorageException($"{Description}: {group.Describe()} failed, nothing was written: {ErrorText.Flatten(ex)}", ex);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public Task<IStoreSnapshot> OpenSnapshotAsync(CancellationToken ct)
    {
        Writer();
        return SqliteSnapshot.OpenAsync(_connectionString, Description, ct);
    }

    public async Task<StoredBlock?> GetBlockAsync(ulong height, CancellationToken ct)
    {
        IReadOnlyList<StoredBlock> blocks = await GetBlocksAsync(height, 1, ct).ConfigureAwait(false);
        return blocks.Count == 1 && blocks[0].Height == height ? blocks[0] : null;
    }

    public async Task<IReadOnlyList<StoredBlock>> GetBlocksAsync(ulong fromHeight, int maxCount, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxCount);
        await using SqliteConnection c = await OpenReaderAsync(ct).ConfigureAwait(false);
        await using SqliteCommand cmd = c.CreateCommand();
        cmd.CommandText = $"SELECT {StoredBlockRow.Columns} FROM blocks WHERE height >= $from ORDER BY height LIMIT $count";
        cmd.Parameters.AddWithValue("$from", DbValues.Height(fromHeight));
        cmd.Parameters.AddWithValue("$count", maxCount);
        var blocks = new List<StoredBlock>();
        await using SqliteDataReader r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await r.ReadAsync(ct).ConfigureAwait(false))
        {
            blocks.Add(SqliteRows.Block(r));
        }

        return blocks;
    }

    public async Task<ulong> GetFirstHeightAsync(CancellationToken ct)
    {
        await using SqliteConnection c = await OpenReaderAsync(ct).ConfigureAwait(false);
        await using SqliteCommand cmd = c.CreateCommand();
        cmd.CommandText = "SELECT COALESCE(MIN(height), 0) FROM blocks";
        return DbValues.Height((long)(await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false))!);
    }

    public async Task<KvEntry?> GetAsync(byte[] key, CancellationToken ct)
    {
        await using SqliteConnection c = await OpenReaderAsync(ct).ConfigureAwait(false);
        await using SqliteCommand cmd = c.CreateCommand();
        cmd.CommandText = "SELECT value, height FROM kv WHERE key = $key";
        cmd.Parameters.Add("$key", SqliteType.Blob).Value = key;
        await using SqliteDataReader r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        return await r.ReadAsync(ct).ConfigureAwait(false) ? new KvEntry(key.ToArray(), (byte[])r[0], DbValues.Height(r.GetInt64(1))) : null;
    }

    public async Task<TxLocation?> GetTxAsync(Hash32 txHash, CancellationToken ct)
    {
        await using SqliteConnection c = await OpenReaderAsync(ct).ConfigureAwait(false);
        await using SqliteCommand cmd = c.CreateCommand();
        cmd.CommandText = "SELECT hash, height, idx, block_hash, outcome FROM txs WHERE hash = $hash";
        cmd.Parameters.Add("$hash", SqliteType.Blob).Value = DbValues.Hash(txHash);
        await using SqliteDataReader r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        return await r.ReadAsync(ct).ConfigureAwait(false) ? SqliteRows.Tx(r) : null;
    }

    public async Task<IReadOnlySet<Hash32>> FindAppliedTxsAsync(IReadOnlyCollection<Hash32> txHashes, CancellationToken ct)
    {
        var applied = new HashSet<Hash32>();
        if (txHashes.Count == 0)
        {
            return applied;
        }

        await using SqliteConnection c = await OpenReaderAsync(ct).ConfigureAwait(false);

        // One read transaction: every chunk sees the same snapshot.
        using SqliteTransaction tx = c.BeginTransaction(deferred: true);
        foreach (Hash32[] chunk in txHashes.Chunk(LookupChunk))
        {
            await using SqliteCommand cmd = c.CreateCommand();
            cmd.Transaction = tx;
            var names = new string[chunk.Length];
            for (int i = 0; i < chunk.Length; i++)
            {
                names[i] = "$h" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
                cmd.Parameters.Add(names[i], SqliteType.Blob).Value = DbValues.Hash(chunk[i]);
            }

            cmd.CommandText = $"SELECT hash FROM txs WHERE outcome = {(int)TxOutcome.Applied} AND hash IN ({string.Join(", ", names)})";
            await using SqliteDataReader r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await r.ReadAsync(ct).ConfigureAwait(false))
            {
                applied.Add(DbValues.Hash((byte[])r[0]));
            }
        }

        return applied;
    }

    public async Task<IReadOnlyList<ConsensusRecordEntry>> ReadConsensusRecordAsync(CancellationToken ct)
    {
        await using SqliteConnection c = await OpenReaderAsync(ct).ConfigureAwait(false);
        await using SqliteCommand cmd = c.CreateCommand();
        cmd.CommandText = "SELECT height, data FROM consensus_record ORDER BY seq";
        var entries = new List<ConsensusRecordEntry>();
        await using SqliteDataReader r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await r.ReadAsync(ct).ConfigureAwait(false))
        {
            entries.Add(new ConsensusRecordEntry(DbValues.Height(r.GetInt64(0)), (byte[])r[1]));
        }

        return entries;
    }

    public async ValueTask DisposeAsync()
    {
        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            _commands?.Dispose();
            _commands = null;
            _treeReader?.Dispose();
            _treeReader = null;
            if (_treeConnection is not null)
            {
                await _treeConnection.DisposeAsync().ConfigureAwait(false);
                _treeConnection = null;
            }

            if (_writer is not null)
            {
                await _writer.DisposeAsync().ConfigureAwait(false);
                _writer = null;
            }

            // Pooled reader connections would otherwise keep the file (and its WAL) open after the store is gone.
            await using var forPool = new SqliteConnection(_connectionString);
            SqliteConnection.ClearPool(forPool);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async Task ConfigureAsync(SqliteConnection connection, CancellationToken ct)
    {
        await using SqliteCommand cmd = connection.CreateCommand();
        cmd.CommandText = "PRAGMA journal_mode = WAL";
        string? mode = (string?)await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false);
        if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
        {
            throw new StorageException($"{Description}: the database refused WAL mode (journal mode is '{mode}'); is it on a network file system?");
        }

        cmd.CommandText = $"PRAGMA synchronous = {(_synchronous == SqliteSynchronous.Full ? "FULL" : "NORMAL")}; PRAGMA busy_timeout = 30000; PRAGMA cache_size = -{PageCacheMib * 1024}";
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    private async Task<SqliteConnection> OpenReaderAsync(CancellationToken ct)
    {
        Writer();
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(ct).ConfigureAwait(false);
            return connection;
        }
        catch (SqliteException ex)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw new StorageException($"{Description}: cannot open a read connection: {ErrorText.Flatten(ex)}", ex);
        }
    }

    private (SqliteConnection Writer, SqliteWriteCommands Commands) Writer() =>
        _writer is not null && _commands is not null
            ? (_writer, _commands)
            : throw new InvalidOperationException($"{Description}: call InitializeAsync before using the store");
}
