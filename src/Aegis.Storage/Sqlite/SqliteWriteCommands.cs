using Aegis.Core.Ledger;
using Aegis.Core.State;
using Microsoft.Data.Sqlite;

namespace Aegis.Storage.Sqlite;

/// <summary>
/// The writer connection's statements, compiled once and rebound per row: a 2000-transaction block runs a few
/// thousand statements, and re-parsing SQL for each would cost more than writing the rows.
/// </summary>
internal sealed class SqliteWriteCommands : IDisposable
{
    private readonly SqliteCommand _readTip;
    private readonly SqliteCommand _insertBlock;
    private readonly SqliteCommand _upsertKv;
    private readonly SqliteCommand _deleteKv;
    private readonly SqliteCommand _setKvHeight;
    private readonly SqliteCommand _upsertTx;
    private readonly SqliteCommand _upsertHistoryTx;
    private readonly SqliteCommand _readFirst;
    private readonly SqliteCommand _updateTip;
    private readonly SqliteCommand _appendRecord;
    private readonly SqliteCommand _truncateRecord;
    private readonly SqliteTreeNodeStore _tree;

    public SqliteWriteCommands(SqliteConnection connection)
    {
        _readTip = Prepare(connection, "SELECT height, block_hash, state_root, timestamp_ms FROM tip WHERE id = 1");
        _insertBlock = Prepare(
            connection,
            "INSERT INTO blocks (height, hash, block, certificate, state_root, timestamp_ms) VALUES ($height, $hash, $block, $certificate, $state_root, $timestamp_ms)",
            ("$height", SqliteType.Integer), ("$hash", SqliteType.Blob), ("$block", SqliteType.Blob), ("$certificate", SqliteType.Blob), ("$state_root", SqliteType.Blob), ("$timestamp_ms", SqliteType.Integer));
        _upsertKv = Prepare(connection, SqliteSchema.UpsertKv, ("$key", SqliteType.Blob), ("$value", SqliteType.Blob), ("$height", SqliteType.Integer));
        _deleteKv = Prepare(connection, "DELETE FROM kv WHERE key = $key", ("$key", SqliteType.Blob));
        _setKvHeight = Prepare(connection, "UPDATE kv SET height = $height WHERE key = $key AND height = 0", ("$height", SqliteType.Integer), ("$key", SqliteType.Blob));
        _upsertTx = Prepare(connection, SqliteSchema.UpsertTx, ("$hash", SqliteType.Blob), ("$height", SqliteType.Integer), ("$idx", SqliteType.Integer), ("$block_hash", SqliteType.Blob), ("$outcome", SqliteType.Integer));
        _upsertHistoryTx = Prepare(connection, SqliteSchema.UpsertHistoryTx, ("$hash", SqliteType.Blob), ("$height", SqliteType.Integer), ("$idx", SqliteType.Integer), ("$block_hash", SqliteType.Blob), ("$outcome", SqliteType.Integer));
        _readFirst = Prepare(connection, $"SELECT {StoredBlockRow.Columns} FROM blocks ORDER BY height LIMIT 1");
        _updateTip = Prepare(
            connection,
            "UPDATE tip SET height = $height, block_hash = $block_hash, state_root = $state_root, timestamp_ms = $timestamp_ms WHERE id = 1",
            ("$height", SqliteType.Integer), ("$block_hash", SqliteType.Blob), ("$state_root", SqliteType.Blob), ("$timestamp_ms", SqliteType.Integer));
        _appendRecord = Prepare(connection, "INSERT INTO consensus_record (height, data) VALUES ($height, $data)", ("$height", SqliteType.Integer), ("$data", SqliteType.Blob));
        _truncateRecord = Prepare(connection, "DELETE FROM consensus_record WHERE height < $height", ("$height", SqliteType.Integer));
        _tree = new SqliteTreeNodeStore(connection);
    }

    public ChainTip ReadTip(SqliteTransaction tx)
    {
        _readTip.Transaction = tx;
        using SqliteDataReader reader = _readTip.ExecuteReader();
        if (!reader.Read())
        {
            throw new StorageException("the tip row is missing: the database was not created by AEGIS or was damaged");
        }

        return SqliteRows.Tip(reader);
    }

    /// <summary>
    /// Writes everything a committed block changes. Statements run synchronously: Microsoft.Data.Sqlite's async methods
    /// do anyway. <paramref name="belowHistory"/>: the kv rows go in at height 0 (a snapshot's state, see <see cref="KvHeight"/>).
    /// </summary>
    public void WriteBlock(SqliteTransaction tx, Block block, CommitCertificate certificate, ExecutionResult result, bool belowHistory = false)
    {
        long height = DbValues.Height(block.Height);
        byte[] blockHash = DbValues.Hash(block.Hash);
        byte[] stateRoot = DbValues.Hash(result.StateRoot);

        Run(_insertBlock, tx, height, blockHash, block.ToBytes(), certificate.ToBytes(), stateRoot, block.Header.TimestampMs);

        _upsertKv.Parameters[2].Value = belowHistory ? 0L : height;
        foreach (StateChange change in result.Changes)
        {
            if (change.Value is null)
            {
                Run(_deleteKv, tx, change.Key);
            }
            else
            {
                _upsertKv.Transaction = tx;
                _upsertKv.Parameters[0].Value = change.Key;
                _upsertKv.Parameters[1].Value = change.Value;
                _upsertKv.ExecuteNonQuery();
            }
        }

        WriteTxRows(_upsertTx, tx, block, result, height, blockHash);

        // The tree under the new root, at version = height: the root in the block row and the tip is then readable.
        _tree.Transaction = tx;
        _tree.Apply(result.Tree, block.Height);

        Run(_updateTip, tx, height, blockHash, stateRoot, block.Header.TimestampMs);
    }

    /// <summary>The store's first block (the lowest height it holds), or null when it holds none.</summary>
    public StoredBlock? ReadFirst(SqliteTransaction tx)
    {
        _readFirst.Transaction = tx;
        using SqliteDataReader reader = _readFirst.ExecuteReader();
        return reader.Read() ? SqliteRows.Block(reader) : null;
    }

    /// <summary>A backfilled block below the first: its row and its tx rows; tip, kv table and tree stay as they are.</summary>
    public void WriteHistoryBlock(SqliteTransaction tx, Block block, CommitCertificate certificate, ExecutionResult result)
    {
        long height = DbValues.Height(block.Height);
        byte[] blockHash = DbValues.Hash(block.Hash);
        Run(_insertBlock, tx, height, blockHash, block.ToBytes(), certificate.ToBytes(), DbValues.Hash(result.StateRoot), block.Header.TimestampMs);
        WriteTxRows(_upsertHistoryTx, tx, block, result, height, blockHash);
    }

    /// <summary>Each kv row still at height 0 whose key <paramref name="heights"/> names gets that height.</summary>
    public void SetKvHeights(SqliteTransaction tx, IReadOnlyList<KvHeight> heights)
    {
        foreach (KvHeight h in heights)
        {
            Run(_setKvHeight, tx, DbValues.Height(h.Height), h.Key);
        }
    }

    /// <summary>The block's tx-index rows through <paramref name="upsert"/> (the tip's rule or the backfill's).</summary>
    private static void WriteTxRows(SqliteCommand upsert, SqliteTransaction tx, Block block, ExecutionResult result, long height, byte[] blockHash)
    {
        upsert.Transaction = tx;
        upsert.Parameters[1].Value = height;
        upsert.Parameters[3].Value = blockHash;
        foreach (TxIndexRow row in TxIndexRow.From(block, result))
        {
            upsert.Parameters[0].Value = DbValues.Hash(row.Hash);
            upsert.Parameters[2].Value = row.Index;
            upsert.Parameters[4].Value = (int)row.Outcome;
            upsert.ExecuteNonQuery();
        }
    }

    public int PruneStateNodes(SqliteTransaction tx, ulong upTo)
    {
        _tree.Transaction = tx;
        return _tree.PruneStaleUpTo(upTo);
    }

    public void AppendRecord(SqliteTransaction tx, ConsensusRecordEntry entry) => Run(_appendRecord, tx, DbValues.Height(entry.Height), entry.Data);

    public int TruncateRecord(SqliteTransaction tx, ulong belowHeight) => Run(_truncateRecord, tx, DbValues.Height(belowHeight));

    public void Dispose()
    {
        foreach (SqliteCommand command in new[] { _readTip, _insertBlock, _upsertKv, _deleteKv, _setKvHeight, _upsertTx, _upsertHistoryTx, _readFirst, _updateTip, _appendRecord, _truncateRecord })
        {
            command.Dispose();
        }

        _tree.Dispose();
    }

    private static int Run(SqliteCommand command, SqliteTransaction tx, params object[] values)
    {
        command.Transaction = tx;
        for (int i = 0; i < values.Length; i++)
        {
            command.Parameters[i].Value = values[i];
        }

        return command.ExecuteNonQuery();
    }

    private static SqliteCommand Prepare(SqliteConnection connection, string sql, params (string Name, SqliteType Type)[] parameters)
    {
        SqliteCommand command = connection.CreateCommand();
        command.CommandText = sql;
        foreach ((string name, SqliteType type) in parameters)
        {
            command.Parameters.Add(name, type);
        }

        command.Prepare();
        return command;
    }
}
