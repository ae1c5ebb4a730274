using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Aegis.Cli.Testnet;
using Npgsql;

namespace Aegis.Cluster.Tests;

/// <summary>
/// The operator's verbs against real clusters: backup of a node under load, verify (and a flipped byte found by
/// height), restore refused for damaged, truncated, foreign and wrong-key backups with the data untouched, restore
/// after a wipe and the node rejoining with an identical chain; on SQLite and on PostgreSQL.
/// </summary>
public class OperationsTests
{
    private const string Key = "operations-test-passphrase";

    private static CancellationToken Timeout(int seconds) => new CancellationTokenSource(TimeSpan.FromSeconds(seconds)).Token;

    [Fact]
    public async Task Sqlite_backup_under_load_verify_flipped_byte_refused_restores_and_rejoin() => await BackupVerifyRestoreAsync("sqlite");

    [PostgresFact]
    public async Task Postgres_backup_under_load_verify_flipped_byte_refused_restores_and_rejoin() => await BackupVerifyRestoreAsync("postgresql");

    private static async Task BackupVerifyRestoreAsync(string storage)
    {
        CancellationToken ct = Timeout(300);
        await using var cluster = new TestCluster(storage: storage);
        await cluster.StartAsync(ct);
        string config3 = TestnetGenerator.ConfigPath(cluster.Dir, 3);
        var env = new Dictionary<string, string>(cluster.Processes.Environment);
        var sealedEnv = new Dictionary<string, string>(env) { ["AEGIS_ENCRYPTION_KEY"] = Key };

        // A target value whose block we can find in the store later.
        string marker = "flip-target-" + Guid.NewGuid().ToString("N");
        (int status, JsonElement body) = await cluster.PostTxAsync(0, "marker", marker, wait: true, ct);
        Assert.Equal(200, status);
        ulong markerHeight = body.GetProperty("height").GetUInt64();

        // Backups of the running node 3 (plain and encrypted) while clients keep committing through nodes 0-2.
        string plain = Path.Combine(cluster.Dir, "node3.bak");
        string sealedFile = Path.Combine(cluster.Dir, "node3-sealed.bak");
        Task<Load.Result> load = Load.RunAsync(cluster, [0, 1, 2], count: 300, concurrency: 8, "ops", ct);
        await cluster.WaitForHeightAsync([3], markerHeight + 20, TimeSpan.FromSeconds(60), ct);
        AegisCli.Result backup = await AegisCli.RunAsync(env, ct, "backup", "--config", config3, "--out", plain, "--no-encrypt");
        Assert.True(backup.Exit == 0, backup.ToString());
        Assert.StartsWith("ok: backup of chain", backup.LastLine);
        AegisCli.Result sealedBackup = await AegisCli.RunAsync(sealedEnv, ct, "backup", "--config", config3, "--out", sealedFile);
        Assert.True(sealedBackup.Exit == 0, sealedBackup.ToString());
        Assert.Contains("encrypted (AES-256-GCM)", sealedBackup.LastLine);
        Assert.DoesNotContain(marker, Encoding.Latin1.GetString(await File.ReadAllBytesAsync(sealedFile, ct)));
        Load.Result loaded = await load;
        Assert.True(loaded.Acknowledged.Count == 300, $"{loaded.Failed} failed");
        Assert.True(!loaded.Acknowledged.IsEmpty);

        // Offline verify on the stopped node: everything from genesis checks out.
        await cluster.Processes.StopAsync(3, TimeSpan.FromSeconds(10));
        AegisCli.Result verified = await AegisCli.RunAsync(env, ct, "verify", "--config", config3);
        Assert.True(verified.Exit == 0, verified.ToString());
        Assert.Matches(@"^ok: \d+ blocks verified$", verified.LastLine);

        // One flipped byte inside the marker's block: verify names that height and exits 1.
        await FlipByteAsync(cluster, storage, 3, marker, ct);
        AegisCli.Result corrupt = await AegisCli.RunAsync(env, ct, "verify", "--config", config3);
        Assert.True(corrupt.Exit == 1, corrupt.ToString());
        Assert.StartsWith($"corrupt at height {markerHeight}:", corrupt.LastLine);

        // Damaged, truncated, foreign and wrong-key backups are refused with the reason; the store stays as it was.
        string fingerprint = await FingerprintAsync(cluster, storage, 3, ct);
        byte[] good = await File.ReadAllBytesAsync(plain, ct);
        string damaged = Path.Combine(cluster.Dir, "damaged.bak");
        byte[] altered = (byte[])good.Clone();
        altered[good.Length / 2] ^= 0x01;
        await File.WriteAllBytesAsync(damaged, altered, ct);
        string truncated = Path.Combine(cluster.Dir, "truncated.bak");
        await File.WriteAllBytesAsync(truncated, good[..(good.Length * 2 / 3)], ct);
        string foreign = await ForeignBackupAsync(ct);
        var refusals = new (string File, IReadOnlyDictionary<string, string> Env, string Reason)[]
        {
            (damaged, env, "the file was altered"),
            (truncated, env, "truncated"),
            (foreign, env, "refusing another chain's backup"),
            (sealedFile, new Dictionary<string, string>(env) { ["AEGIS_ENCRYPTION_KEY"] = "not-the-key" }, "wrong AEGIS_ENCRYPTION_KEY"),
            (sealedFile, env, "the backup is encrypted: set AEGIS_ENCRYPTION_KEY"),
        };
        foreach ((string file, IReadOnlyDictionary<string, string> e, string reason) in refusals)
        {
            AegisCli.Result refused = await AegisCli.RunAsync(e, ct, "restore", "--config", config3, "--from", file);
            Assert.True(refused.Exit == 1, $"{Path.GetFileName(file)}: {refused}");
            Assert.Contains("the node's data is untouched", refused.Stderr);
            Assert.Contains(reason, refused.Stderr);
            Assert.Equal(fingerprint, await FingerprintAsync(cluster, storage, 3, ct));
        }

        File.Delete(foreign);

        // Wipe node 3, restore the (encrypted) backup taken under load, start it: it rejoins and catches up.
        await WipeAsync(cluster, storage, 3, ct);
        AegisCli.Result restored = await AegisCli.RunAsync(sealedEnv, ct, "restore", "--config", config3, "--from", sealedFile);
        Assert.True(restored.Exit == 0, restored.ToString());
        Assert.StartsWith("ok: start the node", restored.LastLine);
        AegisCli.Result afterRestore = await AegisCli.RunAsync(env, ct, "verify", "--config", config3);
        Assert.True(afterRestore.Exit == 0, afterRestore.ToString());

        cluster.Processes.Start(3);
        Assert.True(await cluster.Processes.WaitReadyAsync(TimeSpan.FromSeconds(60), ct), "the restored node did not become ready:\n" + cluster.Logs());
        Load.Result more = await Load.RunAsync(cluster, [0, 1, 2, 3], count: 40, concurrency: 4, "after", ct);
        Assert.Equal(40, more.Acknowledged.Count);
        await cluster.WaitForHeightAsync([0, 1, 2, 3], more.Acknowledged.Values.Max(), TimeSpan.FromSeconds(60), ct);
        await cluster.AssertSameChainAsync(ct);
        JsonElement kv = (await cluster.GetAsync(3, "/v1/kv/marker", ct))!.Value;
        Assert.Equal(marker, kv.GetProperty("value").GetString());
    }

    /// <summary>Flips one bit of the marker value inside the block that carries it (SQLite: in the file; PostgreSQL: in the row).</summary>
    private static async Task FlipByteAsync(TestCluster cluster, string storage, int node, string marker, CancellationToken ct)
    {
        byte[] needle = Encoding.UTF8.GetBytes(marker);
        if (storage == "sqlite")
        {
            string db = Path.Combine(cluster.Dir, $"node{node}", "data", "aegis.db");
            Assert.False(File.Exists(db + "-wal") && new FileInfo(db + "-wal").Length > 0, "the stopped node left a WAL");
            // Every copy: SQLite leaves stale copies of rewritten pages in free pages, and only a live one counts.
            byte[] bytes = await File.ReadAllBytesAsync(db, ct);
            int copies = 0;
            for (int at = bytes.AsSpan().IndexOf(needle); at >= 0; at = bytes.AsSpan(at + 1).IndexOf(needle) is int next and >= 0 ? at + 1 + next : -1)
            {
                bytes[at + needle.Length - 1] ^= 0x01;
                copies++;
            }

            Assert.True(copies > 0, "marker not found in aegis.db");
            await File.WriteAllBytesAsync(db, bytes, ct);
            return;
        }

        await using NpgsqlConnection c = await OpenAsync(ct);
        string schema = Schema(cluster, node);
        await using var cmd = new NpgsqlCommand($"UPDATE {schema}.blocks SET block = set_byte(block, position($1 in block) - 1 + $2, get_byte(block, position($1 in block) - 1 + $2) # 1) WHERE position($1 in block) > 0", c);
        cmd.Parameters.Add(new NpgsqlParameter { Value = needle });
        cmd.Parameters.Add(new NpgsqlParameter { Value = needle.Length - 1 });
        Assert.Equal(1, await cmd.ExecuteNonQueryAsync(ct));
    }

    /// <summary>A digest of the node's whole store: the file, or every row of the node's tables.</summary>
    private static async Task<string> FingerprintAsync(TestCluster cluster, string storage, int node, CancellationToken ct)
    {
        if (storage == "sqlite")
        {
            string data = Path.Combine(cluster.Dir, $"node{node}", "data");
            var files = Directory.GetFiles(data, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
            var all = new StringBuilder(string.Join(",", files.Select(Path.GetFileName)));
            foreach (string f in files)
            {
                all.Append(Convert.ToHexString(SHA256.HashData(await File.ReadAllBytesAsync(f, ct))));
            }

            return all.ToString();
        }

        await using NpgsqlConnection c = await OpenAsync(ct);
        string schema = Schema(cluster, node);
        await using var cmd = new NpgsqlCommand(
            $"SELECT (SELECT md5(string_agg(md5(block) || md5(certificate), '' ORDER BY height)) FROM {schema}.blocks) || (SELECT md5(coalesce(string_agg(md5(key) || md5(value), '' ORDER BY key), '')) FROM {schema}.kv) || (SELECT string_agg(nspname, ',' ORDER BY nspname) FROM pg_namespace)", c);
        return (string)(await cmd.ExecuteScalarAsync(ct))!;
    }

    internal static async Task WipeAsync(TestCluster cluster, string storage, int node, CancellationToken ct)
    {
        cluster.Processes.WipeData(node);
        if (storage == "postgresql")
        {
            await using NpgsqlConnection c = await OpenAsync(ct);
            await using var cmd = new NpgsqlCommand($"DROP SCHEMA {Schema(cluster, node)} CASCADE", c);
            await cmd.ExecuteNonQueryAsync(ct);
        }
    }

    /// <summary>A backup of a one-validator chain of its own: valid, but of another chain.</summary>
    private static async Task<string> ForeignBackupAsync(CancellationToken ct)
    {
        await using var other = new TestCluster(validators: 1);
        await other.StartAsync(ct);
        Assert.Equal(200, (await other.PostTxAsync(0, "foreign", "x", wait: true, ct)).Status);
        string file = Path.Combine(Path.GetTempPath(), $"aegis-foreign-{Guid.NewGuid():N}.bak");
        AegisCli.Result r = await AegisCli.RunAsync(null, ct, "backup", "--config", TestnetGenerator.ConfigPath(other.Dir, 0), "--out", file);
        Assert.True(r.Exit == 0, r.ToString());
        return file;
    }

    private static string Schema(TestCluster cluster, int node) => $"t{cluster.BasePort}_node{node}";

    private static async Task<NpgsqlConnection> OpenAsync(CancellationToken ct)
    {
        var c = new NpgsqlConnection(PostgresFactAttribute.Url);
        await c.OpenAsync(ct);
        return c;
    }
}
