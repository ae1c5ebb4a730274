using Aegis.Storage.Postgres;
using Aegis.Storage.Sqlite;
using Npgsql;

namespace Aegis.Storage.Export;

/// <summary>
/// Replaces a node's store with one built beside it (a restore): the new store is written to a staging place on the
/// same engine — SQLite: a directory inside the data dir, PostgreSQL: a schema in the same database — and only once it
/// is complete and verified does it take the old one's place, in one step: a file rename, or one transaction that
/// moves the tables. The old data is kept aside (named in the result), never deleted, and a failure before the swap
/// leaves it untouched. The node must be stopped.
/// </summary>
public static class StoreReplacement
{
    /// <summary>Tables and function of the node store (schema <see cref="SchemaVersion.Current"/>); auxiliary tables (content, chat) stay where they are.</summary>
    private static readonly string[] Tables = ["schema_info", "blocks", "kv", "txs", "tip", "consensus_record", "state_nodes", "state_stale", "state_roots"];
    private const string TipFunction = "aegis_expect_tip(bigint, bytea)";

    /// <summary>Where to build the replacement of <paramref name="target"/>; <paramref name="tag"/> is a short lower-case [a-z0-9] word unique to this run.</summary>
    public static StorageOptions StagingFor(StorageOptions target, string tag) =>
        target.NormalizedType == StorageOptions.PostgreSql
            ? new StorageOptions { Type = target.Type, ConnectionString = target.ConnectionString, Schema = $"aegis_restore_{tag}", GenesisHash = target.GenesisHash }
            : new StorageOptions { Type = target.Type, DataDirectory = Path.Combine(Path.GetFullPath(target.DataDirectory!), $".restore-{tag}"), GenesisHash = target.GenesisHash };

    /// <summary>Swaps the staging store in; returns where the previous data now is (or null when there was none).</summary>
    /// <exception cref="StorageException">the swap failed; for PostgreSQL nothing changed, for SQLite the message says where each file is.</exception>
    public static Task<string?> SwapAsync(StorageOptions target, StorageOptions staging, string tag, CancellationToken ct) =>
        target.NormalizedType == StorageOptions.PostgreSql ? SwapSchemaAsync(target, staging, tag, ct) : Task.FromResult(SwapFiles(target, staging, tag));

    /// <summary>Removes a staging store after a failed restore.</summary>
    public static async Task DiscardAsync(StorageOptions staging, CancellationToken ct)
    {
        if (staging.NormalizedType == StorageOptions.PostgreSql)
        {
            await using NpgsqlDataSource source = NpgsqlDataSource.Create(PostgresConnectionString.Parse(staging.ConnectionString!));
            await using NpgsqlCommand drop = source.CreateCommand($"DROP SCHEMA IF EXISTS {Checked(staging.Schema!)} CASCADE");
            await drop.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        else if (Directory.Exists(staging.DataDirectory))
        {
            Directory.Delete(staging.DataDirectory!, recursive: true);
        }
    }

    private static string? SwapFiles(StorageOptions target, StorageOptions staging, string tag)
    {
        string dir = Path.GetFullPath(target.DataDirectory!);
        string current = Path.Combine(dir, SqliteNodeStore.FileName);
        string replacement = Path.Combine(staging.DataDirectory!, SqliteNodeStore.FileName);
        string? keptIn = null;
        try
        {
            if (File.Exists(current))
            {
                keptIn = Path.Combine(dir, $"pre-restore-{tag}");
                Directory.CreateDirectory(keptIn);

                // The WAL and shared-memory files belong to the old database: left beside the new one, SQLite would
                // replay the old WAL into it.
                foreach (string suffix in new[] { "", "-wal", "-shm" })
                {
                    if (File.Exists(current + suffix))
                    {
                        File.Move(current + suffix, Path.Combine(keptIn, SqliteNodeStore.FileName + suffix));
                    }
                }
            }

            File.Move(replacement, current);
            Directory.Delete(staging.DataDirectory!, recursive: true);
            return keptIn;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new StorageException($"restore: swapping {replacement} into {current} failed ({ex.Message}); the previous database is in {keptIn ?? dir}, the restored one in {staging.DataDirectory}", ex);
        }
    }

    private static async Task<string?> SwapSchemaAsync(StorageOptions target, StorageOptions staging, string tag, CancellationToken ct)
    {
        NpgsqlConnectionStringBuilder settings = PostgresConnectionString.Parse(target.ConnectionString!);
        await using NpgsqlDataSource source = NpgsqlDataSource.Create(settings);
        await using NpgsqlConnection c = await source.OpenConnectionAsync(ct).ConfigureAwait(false);
        string from = Checked(staging.Schema!);
        string to = target.Schema is null ? "public" : Checked(target.Schema);
        string keep = Checked($"{(to.Length > 30 ? to[..30] : to)}_pre_restore_{tag}");
        try
        {
            // Transactional DDL: every table moves, or none does.
            await using NpgsqlTransaction tx = await c.BeginTransactionAsync(ct).ConfigureAwait(false);
            bool hadData = await ExistsAsync(c, tx, to, "blocks", ct).ConfigureAwait(false);
            await ExecAsync(c, tx, $"CREATE SCHEMA IF NOT EXISTS {to}", ct).ConfigureAwait(false);
            if (hadData)
            {
                await ExecAsync(c, tx, $"CREATE SCHEMA {keep}", ct).ConfigureAwait(false);
            }

            foreach (string table in Tables)
            {
                if (await ExistsAsync(c, tx, to, table, ct).ConfigureAwait(false))
                {
                    await ExecAsync(c, tx, $"ALTER TABLE {to}.{table} SET SCHEMA {keep}", ct).ConfigureAwait(false);
                }

                await ExecAsync(c, tx, $"ALTER TABLE {from}.{table} SET SCHEMA {to}", ct).ConfigureAwait(false);
            }

            await ExecAsync(c, tx, hadData ? $"ALTER FUNCTION {to}.{TipFunction} SET SCHEMA {keep}" : $"DROP FUNCTION IF EXISTS {to}.{TipFunction}", ct).ConfigureAwait(false);
            await ExecAsync(c, tx, $"ALTER FUNCTION {from}.{TipFunction} SET SCHEMA {to}", ct).ConfigureAwait(false);
            await ExecAsync(c, tx, $"DROP SCHEMA {from}", ct).ConfigureAwait(false);
            await tx.CommitAsync(ct).ConfigureAwait(false);
            return hadData ? $"schema {keep}" : null;
        }
        catch (NpgsqlException ex)
        {
            throw new StorageException($"restore: moving the restored tables from schema {from} into {to} failed, nothing changed: {ErrorText.Flatten(ex)}", ex);
        }
    }

    private static async Task<bool> ExistsAsync(NpgsqlConnection c, NpgsqlTransaction tx, string schema, string table, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("SELECT 1 FROM pg_tables WHERE schemaname = $1 AND tablename = $2", c, tx) { Parameters = { new() { Value = schema }, new() { Value = table } } };
        return await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false) is not null;
    }

    private static async Task ExecAsync(NpgsqlConnection c, NpgsqlTransaction tx, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, c, tx);
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    private static string Checked(string identifier) =>
        PostgresIdentifier.IsValid(identifier) ? identifier : throw new ArgumentException($"'{identifier}' is not a plain schema identifier");
}
