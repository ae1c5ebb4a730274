using Aegis.Core.State;
using Npgsql;

namespace Aegis.Storage.Postgres;

/// <summary>The PostgreSQL layout, version <see cref="SchemaVersion.Current"/>, and the check that runs on every start.</summary>
internal static class PostgresSchema
{
    /// <summary>SQLSTATE raised by <c>aegis_expect_tip</c>: the database tip is not the one the writer checked the block against.</summary>
    public const string TipMovedState = "AE001";

    // Serializes first-time creation when several nodes start against one database at once.
    private const long InitLockKey = 0x4145_4749_535F_5331; // "AEGIS_S1"

    private const string CreateTables = $"""
        CREATE TABLE blocks (
            height bigint PRIMARY KEY,
            hash bytea NOT NULL UNIQUE,
            block bytea NOT NULL,
            certificate bytea NOT NULL,
            state_root bytea NOT NULL,
            timestamp_ms bigint NOT NULL);
        CREATE TABLE kv (
            key bytea PRIMARY KEY,
            value bytea NOT NULL,
            height bigint NOT NULL);
        CREATE TABLE txs (
            hash bytea PRIMARY KEY,
            height bigint NOT NULL,
            idx integer NOT NULL,
            block_hash bytea NOT NULL,
            outcome smallint NOT NULL);
        CREATE TABLE tip (
            id smallint PRIMARY KEY CHECK (id = 1),
            height bigint NOT NULL,
            block_hash bytea NOT NULL,
            state_root bytea NOT NULL,
            timestamp_ms bigint NOT NULL);
        INSERT INTO tip (id, height, block_hash, state_root, timestamp_ms) VALUES (1, 0, decode(repeat('00', 32), 'hex'), decode(repeat('00', 32), 'hex'), 0);
        CREATE TABLE consensus_record (
            seq bigint PRIMARY KEY,
            height bigint NOT NULL,
            data bytea NOT NULL);
        CREATE INDEX consensus_record_height ON consensus_record (height);
        -- The state tree's nodes keyed by (version, hash), its stale log and root index (docs/state-commitment.md), as in SQLite.
        CREATE TABLE state_nodes (
            version bigint NOT NULL,
            hash bytea NOT NULL,
            node bytea NOT NULL,
            PRIMARY KEY (version, hash));
        -- One row per block: the versions and hashes of the nodes it made stale, as two arrays of the same length.
        CREATE TABLE state_stale (
            since bigint PRIMARY KEY,
            versions bigint[] NOT NULL,
            hashes bytea[] NOT NULL,
            CHECK (cardinality(versions) = cardinality(hashes)));
        CREATE TABLE state_roots (
            hash bytea PRIMARY KEY,
            version bigint NOT NULL);
        -- The commit batch opens with this check so that, sent in one round trip, it aborts as a whole when the tip moved.
        CREATE FUNCTION aegis_expect_tip(expected_height bigint, expected_hash bytea) RETURNS void LANGUAGE plpgsql AS $$
        BEGIN
            IF NOT EXISTS (SELECT 1 FROM tip WHERE id = 1 AND height = expected_height AND block_hash = expected_hash) THEN
                RAISE EXCEPTION 'the stored tip is not at height % with the expected hash', expected_height USING ERRCODE = '{TipMovedState}';
            END IF;
        END $$;
        """;

    public static readonly string UpsertKv =
        "INSERT INTO kv (key, value, height) SELECT k, v, $3 FROM unnest($1::bytea[], $2::bytea[]) AS t(k, v) " +
        "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, height = EXCLUDED.height";

    /// <summary>A block's new nodes at its height ($1), in key order: appended at the end of the primary key.</summary>
    public const string InsertNodes =
        "INSERT INTO state_nodes (version, hash, node) SELECT $1, h, n FROM unnest($2::bytea[], $3::bytea[]) AS t(h, n)";

    /// <summary>A block's stale nodes, logged under its height ($1) in one row: one index entry per block, not per node.</summary>
    public const string LogStaleNodes = "INSERT INTO state_stale (since, versions, hashes) VALUES ($1, $2, $3)";

    public const string UpsertRoot =
        "INSERT INTO state_roots (hash, version) VALUES ($1, $2) ON CONFLICT (hash) DO UPDATE SET version = EXCLUDED.version";

    /// <summary>
    /// Deletes what the log names up to $1, then the root index rows whose node is gone (the rule of
    /// <see cref="Sqlite.SqliteTreeNodeStore.PruneStaleUpTo"/>), then the log rows: one statement each.
    /// </summary>
    public static readonly string[] PruneNodes =
    [
        "DELETE FROM state_nodes n USING (SELECT unnest(versions) AS version, unnest(hashes) AS hash FROM state_stale WHERE since <= $1) s WHERE n.version = s.version AND n.hash = s.hash",
        "DELETE FROM state_roots r WHERE r.version < $1 AND NOT EXISTS (SELECT 1 FROM state_nodes n WHERE n.version = r.version AND n.hash = r.hash)",
        "DELETE FROM state_stale WHERE since <= $1",
    ];

    /// <summary>A row that records an applied copy is never replaced by a later duplicate (see <see cref="TxIndexRow.From"/>).</summary>
    public static readonly string UpsertTxs =
        "INSERT INTO txs (hash, height, idx, block_hash, outcome) SELECT h, $4, i, $5, o FROM unnest($1::bytea[], $2::integer[], $3::smallint[]) AS t(h, i, o) " +
        "ON CONFLICT (hash) DO UPDATE SET height = EXCLUDED.height, idx = EXCLUDED.idx, block_hash = EXCLUDED.block_hash, outcome = EXCLUDED.outcome " +
        $"WHERE txs.outcome <> {(int)TxOutcome.Applied} AND EXCLUDED.outcome = {(int)TxOutcome.Applied}";

    /// <summary>A backfilled (older) block's tx rows: the earlier copy wins unless it would turn an applied row into a duplicate (as SQLite's).</summary>
    public static readonly string UpsertHistoryTxs =
        "INSERT INTO txs (hash, height, idx, block_hash, outcome) SELECT h, $4, i, $5, o FROM unnest($1::bytea[], $2::integer[], $3::smallint[]) AS t(h, i, o) " +
        "ON CONFLICT (hash) DO UPDATE SET height = EXCLUDED.height, idx = EXCLUDED.idx, block_hash = EXCLUDED.block_hash, outcome = EXCLUDED.outcome " +
        $"WHERE (EXCLUDED.height < txs.height AND (EXCLUDED.outcome = {(int)TxOutcome.Applied} OR txs.outcome <> {(int)TxOutcome.Applied})) " +
        $"OR (txs.outcome <> {(int)TxOutcome.Applied} AND EXCLUDED.outcome = {(int)TxOutcome.Applied})";

    /// <summary>Creates the schema and tables on first start, or checks the recorded version, in one transaction.</summary>
    public static async Task EnsureAsync(NpgsqlConnection connection, string? schema, string description, CancellationToken ct)
    {
        await using NpgsqlTransaction tx = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
        await ExecuteAsync(connection, $"SELECT pg_advisory_xact_lock({InitLockKey})", ct).ConfigureAwait(false);
        if (schema is not null)
        {
            // Checked first because CREATE SCHEMA IF NOT EXISTS demands the CREATE privilege even when the schema exists.
            await using NpgsqlCommand exists = new("SELECT 1 FROM pg_namespace WHERE nspname = $1", connection) { Parameters = { new() { Value = schema } } };
            if (await exists.ExecuteScalarAsync(ct).ConfigureAwait(false) is null)
            {
                await ExecuteAsync(connection, $"CREATE SCHEMA {schema}", ct).ConfigureAwait(false); // validated: a plain identifier
            }
        }

        await ExecuteAsync(connection, "CREATE TABLE IF NOT EXISTS schema_info (id smallint PRIMARY KEY CHECK (id = 1), version integer NOT NULL)", ct).ConfigureAwait(false);
        await using (NpgsqlCommand read = new("SELECT version FROM schema_info WHERE id = 1", connection))
        {
            if (await read.ExecuteScalarAsync(ct).ConfigureAwait(false) is int version)
            {
                SchemaVersion.EnsureReadable(version, description);
                await tx.CommitAsync(ct).ConfigureAwait(false);
                return;
            }
        }

        await ExecuteAsync(connection, CreateTables, ct).ConfigureAwait(false);
        await ExecuteAsync(connection, $"INSERT INTO schema_info (id, version) VALUES (1, {SchemaVersion.Current})", ct).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using NpgsqlCommand command = new(sql, connection);
        await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }
}
