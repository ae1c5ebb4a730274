using Aegis.Core.Crypto;
using Aegis.Core.Ledger;
using Aegis.Core.State;
using Aegis.Core.State.Commitment;
using Aegis.Storage.Export;
using Aegis.Storage.StateNodes;
using Npgsql;
using NpgsqlTypes;

namespace Aegis.Storage.Postgres;

/// <summary>
/// PostgreSQL behind an <see cref="NpgsqlDataSource"/> pool. A write group commits in one round trip (see
/// <see cref="PostgresCommitBatch"/>); with the server's default <c>synchronous_commit = on</c> that commit is on the
/// server's disk when the task completes.
/// </summary>
public sealed class PostgresNodeStore : INodeStore, IStoreSnapshots
{
    private const string DuplicateKeyState = "23505";

    private readonly NpgsqlConnectionStringBuilder _settings;
    private readonly string? _schema;
    private readonly Hash32? _genesisHash;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private NpgsqlDataSource? _dataSource;
    private TreeNodeCache? _stateNodes;

    /// <summary>The tip this writer last committed, so a block is checked without a round trip; null after a failure (reloaded).</summary>
    private ChainTip? _tip;

    /// <param name="connectionString">An Npgsql connection string or a postgresql:// URL.</param>
    /// <param name="schema">The schema that holds this node's tables (created when missing), or null for the search path's.</param>
    /// <exception cref="StorageException">the connection string does not parse.</exception>
    public PostgresNodeStore(string connectionString, string? schema = null, Hash32? genesisHash = null)
    {
        if (schema is not null && !PostgresIdentifier.IsValid(schema))
        {
            throw new ArgumentException($"storage.schema: '{schema}' is not a plain lower-case identifier", nameof(schema));
        }

        _settings = PostgresConnectionString.Parse(connectionString);
        _schema = schema;
        _genesisHash = genesisHash;
        if (schema is not null)
        {
            _settings.SearchPath = schema;
        }

        // Reads and the commit batch repeat the same few statements; let Npgsql keep them prepared per connection.
        if (_settings.MaxAutoPrepare == 0)
        {
            _settings.MaxAutoPrepare = 32;
        }

        _settings.ApplicationName ??= "aegis";
        Description = PostgresConnectionString.Describe(_settings, schema);
    }

    public string Description { get; }

    public async Task InitializeAsync(CancellationToken ct)
    {
        if (_dataSource is not null)
        {
            return;
        }

        NpgsqlDataSource dataSource = NpgsqlDataSource.Create(_settings);
        try
        {
            await using NpgsqlConnection connection = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
            await PostgresSchema.EnsureAsync(connection, _schema, Description, ct).ConfigureAwait(false);
            _stateNodes = new TreeNodeCache(new PostgresTreeNodeReader(dataSource, Description));
            _dataSource = dataSource;
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            await dataSource.DisposeAsync().ConfigureAwait(false);
            throw new StorageException($"{Description}: cannot open the database: {ErrorText.Flatten(ex)}", ex);
        }
        catch
        {
            await dataSource.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public ITreeNodeReader StateNodes
    {
        get
        {
            DataSource();
            return _stateNodes!;
        }
    }

    public async Task<ChainTip> GetTipAsync(CancellationToken ct)
    {
        await using NpgsqlCommand cmd = DataSource().CreateCommand("SELECT height, block_hash, state_root, timestamp_ms FROM tip WHERE id = 1");
        return await ReadAsync(cmd, r => PostgresRows.Tip(r), ct).ConfigureAwait(false) ?? throw StoreCorruptException.TipMissing();
    }

    public async Task WriteGroupAsync(WriteGroup group, CancellationToken ct)
    {
        if (group.IsEmpty)
        {
            return;
        }

        NpgsqlDataSource dataSource = DataSource();
        await _writeLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            await using NpgsqlConnection connection = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
            await using var batch = new NpgsqlBatch(connection);
            StoredBlock? first = group.History.Count > 0 ? await GetFirstBlockAsync(ct).ConfigureAwait(false) : null;
            ChainTip after = PostgresCommitBatch.Build(batch, _tip ?? await GetTipAsync(ct).ConfigureAwait(false), group, _genesisHash, first);
            _tip = null;
            await batch.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            _tip = after;
            foreach (BlockWrite b in group.Blocks)
            {
                _stateNodes!.AddRange(b.Result.Tree.NewNodes);
            }
        }
        catch (PostgresException ex) when (ex.SqlState is PostgresSchema.TipMovedState or DuplicateKeyState)
        {
            throw new BlockRejectedException(
                $"{group.DescribeBlocks()} rejected: the database tip changed underneath this store (is another node writing to {Description}?); nothing was written", ex);
        }
        catch (NpgsqlException ex)
        {
            throw new StorageException(
                $"{Description}: {group.Describe()} failed: {ErrorText.Flatten(ex)} (if the connection broke during the commit it may be stored; the tip is re-read before the next write)", ex);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async Task<StoredBlock?> GetFirstBlockAsync(CancellationToken ct)
    {
        ulong first = await GetFirstHeightAsync(ct).ConfigureAwait(false);
        return first == 0 ? null : await GetBlockAsync(first, ct).ConfigureAwait(false);
    }

    public Task<IStoreSnapshot> OpenSnapshotAsync(CancellationToken ct) => PostgresSnapshot.OpenAsync(DataSource(), Description, ct);

    public async Task<StoredBlock?> GetBlockAsync(ulong height, CancellationToken ct)
    {
        await using NpgsqlCommand cmd = DataSource().CreateCommand($"SELECT {StoredBlockRow.Columns} FROM blocks WHERE height = $1");
        cmd.Parameters.Add(new NpgsqlParameter { Value = DbValues.Height(height), NpgsqlDbType = NpgsqlDbType.Bigint });
        return await ReadAsync(cmd, r => PostgresRows.Block(r), ct).ConfigureAwait(false);
    }

    public async Task<ulong> GetFirstHeightAsync(CancellationToken ct)
    {
        await using NpgsqlCommand cmd = DataSource().CreateCommand("SELECT COALESCE(MIN(height), 0) FROM blocks");
        long[]? first = await ReadAsync(cmd, r => new[] { r.GetInt64(0) }, ct).ConfigureAwait(false);
        return DbValues.Height(first![0]);
    }

    public async Task<IReadOnlyList<StoredBlock>> GetBlocksAsync(ulong fromHeight, int maxCount, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxCount);
        await using NpgsqlCommand cmd = DataSource().CreateCommand($"SELECT {StoredBlockRow.Columns} FROM blocks WHERE height >= $1 ORDER BY height LIMIT $2");
        cmd.Parameters.Add(new NpgsqlParameter { Value = DbValues.Height(fromHeight), NpgsqlDbType = NpgsqlDbType.Bigint });
        cmd.Parameters.Add(new NpgsqlParameter { Value = maxCount, NpgsqlDbType = NpgsqlDbType.Integer });
        return await ReadAllAsync(cmd, r => PostgresRows.Block(r), ct).ConfigureAwait(false);
    }

    public async Task<KvEntry?> GetAsync(byte[] key, CancellationToken ct)
    {
        await using NpgsqlCommand cmd = DataSource().CreateCommand("SELECT value, height FROM kv WHERE key = $1");
        cmd.Parameters.Add(new NpgsqlParameter { Value = key, NpgsqlDbType = NpgsqlDbType.Bytea });
        return await ReadAsync(cmd, r => new KvEntry(key.ToArray(), r.GetFieldValue<byte[]>(0), DbValues.Height(r.GetInt64(1))), ct).ConfigureAwait(false);
    }

    public async Task<TxLocation?> GetTxAsync(Hash32 txHash, CancellationToken ct)
    {
        await using NpgsqlCommand cmd = DataSource().CreateCommand("SELECT hash, height, idx, block_hash, outcome FROM txs WHERE hash = $1");
        cmd.Parameters.Add(new NpgsqlParameter { Value = DbValues.Hash(txHash), NpgsqlDbType = NpgsqlDbType.Bytea });
        return await ReadAsync(cmd, r => PostgresRows.Tx(r), ct).ConfigureAwait(false);
    }

    public async Task<IReadOnlySet<Hash32>> FindAppliedTxsAsync(IReadOnlyCollection<Hash32> txHashes, CancellationToken ct)
    {
        if (txHashes.Count == 0)
        {
            return new HashSet<Hash32>();
        }

        await using NpgsqlCommand cmd = DataSource().CreateCommand($"SELECT hash FROM txs WHERE outcome = {(int)TxOutcome.Applied} AND hash = ANY($1)");
        cmd.Parameters.Add(new NpgsqlParameter { Value = txHashes.Select(DbValues.Hash).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
        return (await ReadAllAsync(cmd, r => DbValues.Hash(r.GetFieldValue<byte[]>(0)), ct).ConfigureAwait(false)).ToHashSet();
    }

    public async Task<IReadOnlyList<ConsensusRecordEntry>> ReadConsensusRecordAsync(CancellationToken ct)
    {
        await using NpgsqlCommand cmd = DataSource().CreateCommand("SELECT height, data FROM consensus_record ORDER BY seq");
        return await ReadAllAsync(cmd, r => new ConsensusRecordEntry(DbValues.Height(r.GetInt64(0)), r.GetFieldValue<byte[]>(1)), ct).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_dataSource is not null)
        {
            await _dataSource.DisposeAsync().ConfigureAwait(false);
            _dataSource = null;
        }
    }

    private async Task<T?> ReadAsync<T>(NpgsqlCommand cmd, Func<NpgsqlDataReader, T> map, CancellationToken ct)
        where T : class
    {
        IReadOnlyList<T> rows = await ReadAllAsync(cmd, map, ct).ConfigureAwait(false);
        return rows.Count > 0 ? rows[0] : null;
    }

    private async Task<IReadOnlyList<T>> ReadAllAsync<T>(NpgsqlCommand cmd, Func<NpgsqlDataReader, T> map, CancellationToken ct)
    {
        try
        {
            var rows = new List<T>();
            await using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await r.ReadAsync(ct).ConfigureAwait(false))
            {
                rows.Add(map(r));
            }

            return rows;
        }
        catch (NpgsqlException ex)
        {
            throw new StorageException($"{Description}: read failed: {ErrorText.Flatten(ex)}", ex);
        }
    }

    private NpgsqlDataSource DataSource() =>
        _dataSource ?? throw new InvalidOperationException($"{Description}: call InitializeAsync before using the store");
}
