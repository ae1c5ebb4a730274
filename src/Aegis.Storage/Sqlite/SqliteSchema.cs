using Aegis.Core.State;
using Microsoft.Data.Sqlite;

namespace Aegis.Storage.Sqlite;

/// <summary>The SQLite layout, version <see cref="SchemaVersion.Current"/>, and the check that runs on every open.</summary>
internal static class SqliteSchema
{
    // Keys and hashes are random-looking byte strings; WITHOUT ROWID stores each row once, in its key's B-tree.
    private const string CreateTables = """
        CREATE TABLE blocks (
            height INTEGER PRIMARY KEY,
            hash BLOB NOT NULL UNIQUE,
            block BLOB NOT NULL,
            certificate BLOB NOT NULL,
            state_root BLOB NOT NULL,
            timestamp_ms INTEGER NOT NULL);
        CREATE TABLE kv (
            key BLOB PRIMARY KEY,
            value BLOB NOT NULL,
            height INTEGER NOT NULL) WITHOUT ROWID;
        CREATE TABLE txs (
            hash BLOB PRIMARY KEY,
            height INTEGER NOT NULL,
            idx INTEGER NOT NULL,
            block_hash BLOB NOT NULL,
            outcome INTEGER NOT NULL) WITHOUT ROWID;
        CREATE TABLE tip (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            height INTEGER NOT NULL,
            block_hash BLOB NOT NULL,
            state_root BLOB NOT NULL,
            timestamp_ms INTEGER NOT NULL);
        INSERT INTO tip (id, height, block_hash, state_root, timestamp_ms) VALUES (1, 0, zeroblob(32), zeroblob(32), 0);
        CREATE TABLE consensus_record (
            seq INTEGER PRIMARY KEY,
            height INTEGER NOT NULL,
            data BLOB NOT NULL);
        CREATE INDEX consensus_record_height ON consensus_record (height);
        """ + SqliteTreeNodeStore.CreateTable;

    public static readonly string UpsertKv =
        "INSERT INTO kv (key, value, height) VALUES ($key, $value, $height) " +
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value, height = excluded.height";

    /// <summary>A row that records an applied copy is never replaced by a later duplicate (see <see cref="TxIndexRow.From"/>).</summary>
    public static readonly string UpsertTx =
        "INSERT INTO txs (hash, height, idx, block_hash, outcome) VALUES ($hash, $height, $idx, $block_hash, $outcome) " +
        "ON CONFLICT (hash) DO UPDATE SET height = excluded.height, idx = excluded.idx, block_hash = excluded.block_hash, outcome = excluded.outcome " +
        $"WHERE txs.outcome <> {(int)TxOutcome.Applied} AND excluded.outcome = {(int)TxOutcome.Applied}";

    /// <summary>
    /// A backfilled (older) block's tx row: it replaces a newer row when it is the earlier copy, unless that would turn an
    /// applied row into a duplicate — the index keeps where a transaction first took effect, as if written in order.
    /// </summary>
    public static readonly string UpsertHistoryTx =
        "INSERT INTO txs (hash, height, idx, block_hash, outcome) VALUES ($hash, $height, $idx, $block_hash, $outcome) " +
        "ON CONFLICT (hash) DO UPDATE SET height = excluded.height, idx = excluded.idx, block_hash = excluded.block_hash, outcome = excluded.outcome " +
        $"WHERE (excluded.height < txs.height AND (excluded.outcome = {(int)TxOutcome.Applied} OR txs.outcome <> {(int)TxOutcome.Applied})) " +
        $"OR (txs.outcome <> {(int)TxOutcome.Applied} AND excluded.outcome = {(int)TxOutcome.Applied})";

    /// <summary>Creates the tables on a new file, or checks the recorded version of an existing one, in one transaction.</summary>
    public static async Task EnsureAsync(SqliteConnection connection, string description, CancellationToken ct)
    {
        await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
        await ExecuteAsync(connection, tx, "CREATE TABLE IF NOT EXISTS schema_info (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)", ct).ConfigureAwait(false);

        await using (SqliteCommand read = connection.CreateCommand())
        {
            read.Transaction = tx;
            read.CommandText = "SELECT version FROM schema_info WHERE id = 1";
            object? stored = await read.ExecuteScalarAsync(ct).ConfigureAwait(false);
            if (stored is long version)
            {
                SchemaVersion.EnsureReadable(checked((int)version), description);
                return;
            }
        }

        await ExecuteAsync(connection, tx, CreateTables, ct).ConfigureAwait(false);
        await ExecuteAsync(connection, tx, $"INSERT INTO schema_info (id, version) VALUES (1, {SchemaVersion.Current})", ct).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
    }

    private static async Task ExecuteAsync(SqliteConnection connection, SqliteTransaction tx, string sql, CancellationToken ct)
    {
        await using SqliteCommand command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }
}
