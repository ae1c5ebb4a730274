using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Aegis.Cli.Testnet;

namespace Aegis.Cluster.Tests;

/// <summary>
/// A node never serves data that does not match its certified hashes, and a full data disk is reported and survived:
/// a stopped node's aegis.db altered (2,000 random bytes written over a block; one key's value rewritten with the
/// sqlite3 CLI) is refused at start (/ready 503 store_corrupt, the metric, API 503, nothing of it served) and named by
/// <c>aegis verify</c>; a primary whose data
/// disk (a size-limited tmpfs mounted for the test) fills reports disk_full with its metric, then resumes by itself
/// once space is freed, commits again and verifies clean.
/// </summary>
public class IntegrityTests
{
    private static CancellationToken Timeout(int seconds) => new CancellationTokenSource(TimeSpan.FromSeconds(seconds)).Token;

    [Fact]
    public async Task A_store_altered_while_stopped_is_refused_at_start_and_verify_names_the_height()
    {
        CancellationToken ct = Timeout(240);
        await using var cluster = new TestCluster();
        ulong markerHeight = await MarkerUnderLoadAsync(cluster, 60, ct);
        string blockHash = (await cluster.GetAsync(3, $"/v1/blocks/{markerHeight}", ct))!.Value.GetProperty("hash").GetString()!;

        // 2,000 random bytes over the marker's block row, in the stopped node's file (a clean copy kept).
        await cluster.Processes.StopAsync(3, TimeSpan.FromSeconds(10));
        string db = Path.Combine(cluster.Dir, "node3", "data", "aegis.db");
        Assert.False(File.Exists(db + "-wal") && new FileInfo(db + "-wal").Length > 0, "the stopped node left a WAL");
        string clean = db + ".clean";
        File.Copy(db, clean);
        // Where the marker block's row lies: its first 96 bytes (the header: chain id, height, previous hash) are unique.
        byte[] row = await ReadBlockRowAsync(db, markerHeight, ct);
        byte[] bytes = await File.ReadAllBytesAsync(db, ct);
        int at = LastIndexOf(bytes, row[..Math.Min(96, row.Length)]);
        Assert.True(at >= 0, "the marker's block row was not found in aegis.db");
        int start = Math.Clamp(at + 16, 4096, bytes.Length - 2000);
        Random.Shared.NextBytes(bytes.AsSpan(start, 2000));
        await File.WriteAllBytesAsync(db, bytes, ct);

        // The node starts but refuses to serve: /ready 503 with the reason, the metrics, API 503, never the block.
        cluster.Processes.Start(3);
        string ready = await WaitForReadyBodyAsync(cluster, 3, "store_corrupt", TimeSpan.FromSeconds(60), ct);
        Assert.Contains("store corrupt", ready);
        string metrics = await MetricsAsync(cluster, 3, ct);
        Assert.Contains("aegis_node_ready{reason=\"store_corrupt\"} 0", metrics);
        Assert.Matches("aegis_storage_integrity_failures_total\\{check=\"start\"\\} [1-9]", metrics);
        using (HttpResponseMessage r = await cluster.Http.GetAsync(cluster.Url(3) + $"/v1/blocks/{markerHeight}", ct))
        {
            string text = await r.Content.ReadAsStringAsync(ct);
            Assert.Equal(503, (int)r.StatusCode);
            Assert.Contains("store_corrupt", text);
            Assert.DoesNotContain(blockHash, text);
        }

        using (HttpResponseMessage r = await cluster.Http.GetAsync(cluster.Url(3) + "/v1/kv/marker", ct))
        {
            Assert.Equal(503, (int)r.StatusCode);
        }

        Assert.Contains("store corrupt:", await File.ReadAllTextAsync(cluster.Processes.LogPath(3), ct));

        // The other three go on without it; verify on the stopped node names a height and exits 1.
        Assert.Equal(200, (await cluster.PostTxAsync(0, "after", "x", wait: true, ct)).Status);
        await cluster.Processes.StopAsync(3, TimeSpan.FromSeconds(10));
        AegisCli.Result verify = await AegisCli.RunAsync(cluster.Processes.Environment, ct, "verify", "--config", TestnetGenerator.ConfigPath(cluster.Dir, 3));
        Assert.True(verify.Exit == 1, verify.ToString());
        Assert.StartsWith("corrupt at height ", verify.LastLine);

        // The clean copy with one key's value rewritten by the sqlite3 CLI: the state no longer hashes to the tip's
        // certified root, so the node refuses to serve, and verify names the height that wrote the key.
        File.Move(clean, db, overwrite: true);
        string changed = await RunAsync("sqlite3", [db, "UPDATE kv SET value = CAST('forged' AS BLOB) WHERE key = CAST('marker' AS BLOB); SELECT changes();"], ct);
        Assert.Equal("1", changed.Trim());
        await AssertForgedValueRefusedAsync(cluster, markerHeight, ct);
    }

    [Fact]
    public async Task A_proof_over_a_tree_lost_from_the_store_reports_the_damage_instead_of_answering()
    {
        CancellationToken ct = Timeout(120);
        await using var cluster = new TestCluster(validators: 1);
        await cluster.StartAsync(ct);
        Assert.Equal(200, (await cluster.PostTxAsync(0, "proved", "v", wait: true, ct)).Status);

        // The tip's header commits to the state pipeline_depth blocks back: add blocks until it holds the key, so the
        // proof walks stored nodes (an empty state's proof reads none).
        for (int i = 0; JsonDocument.Parse(await ProofAsync(cluster, ct)).RootElement.GetProperty("value").ValueKind != JsonValueKind.String; i++)
        {
            Assert.True(i < 64, "the tip's header never came to hold the key");
            Assert.Equal(200, (await cluster.PostTxAsync(0, $"filler/{i}", "x", wait: true, ct)).Status);
        }

        // The tree's rows gone while stopped: the start check rebuilds the root from the kv rows (which still match),
        // so only a read of the tree can find it.
        await cluster.Processes.StopAsync(0, TimeSpan.FromSeconds(10));
        string db = Path.Combine(cluster.Dir, "node0", "data", "aegis.db");
        string deleted = await RunAsync("sqlite3", [db, "DELETE FROM state_nodes; SELECT changes();"], ct);
        Assert.NotEqual("0", deleted.Trim());
        cluster.Processes.Start(0);
        Assert.True(await cluster.Processes.WaitReadyAsync(TimeSpan.FromSeconds(60), ct), "the node whose tree rows were deleted did not pass its start check\n" + cluster.Logs());

        using (HttpResponseMessage r = await cluster.Http.GetAsync(cluster.Url(0) + "/v1/kv/proved?proof=true", ct))
        {
            string text = await r.Content.ReadAsStringAsync(ct);
            Assert.Equal(503, (int)r.StatusCode);
            Assert.Contains("store_corrupt", text);
        }

        // From then on the node is out of service, with the reason and the metric the alert reads.
        await WaitForReadyBodyAsync(cluster, 0, "store_corrupt", TimeSpan.FromSeconds(10), ct);
        Assert.Matches("aegis_storage_integrity_failures_total\\{check=\"read\"\\} [1-9]", await MetricsAsync(cluster, 0, ct));
    }

    [PostgresFact]
    public async Task Postgres_a_value_rewritten_with_psql_in_a_stopped_nodes_database_is_refused_at_start_and_verify_names_the_height()
    {
        CancellationToken ct = Timeout(240);
        await using var cluster = new TestCluster(storage: "postgresql");
        ulong markerHeight = await MarkerUnderLoadAsync(cluster, 40, ct);
        await cluster.Processes.StopAsync(3, TimeSpan.FromSeconds(10));

        // One key's value rewritten with psql in node 3's schema, as an operator (or an intruder) with database access would.
        var pg = new Npgsql.NpgsqlConnectionStringBuilder(PostgresFactAttribute.Url);
        string[] args = ["-h", pg.Host!, "-p", pg.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", pg.Username!, "-d", pg.Database!, "-tA", "-v", "ON_ERROR_STOP=1",
            "-c", $"UPDATE t{cluster.BasePort}_node3.kv SET value = convert_to('forged', 'UTF8') WHERE key = convert_to('marker', 'UTF8')"];
        string output = await RunAsync("psql", args, ct, new Dictionary<string, string> { ["PGPASSWORD"] = pg.Password ?? "" });
        Assert.Equal("UPDATE 1", output.Trim());
        await AssertForgedValueRefusedAsync(cluster, markerHeight, ct);
    }

    /// <summary>Node 3's stopped store has key 'marker' rewritten to 'forged': refused at start naming the key, never served, and verify names the height.</summary>
    private static async Task AssertForgedValueRefusedAsync(TestCluster cluster, ulong markerHeight, CancellationToken ct)
    {
        cluster.Processes.Start(3);
        string ready = await WaitForReadyBodyAsync(cluster, 3, "store_corrupt", TimeSpan.FromSeconds(60), ct);
        Assert.True(ready.Contains("the value of key \\u0027marker\\u0027", StringComparison.Ordinal), ready);
        using (HttpResponseMessage r = await cluster.Http.GetAsync(cluster.Url(3) + "/v1/kv/marker", ct))
        {
            string text = await r.Content.ReadAsStringAsync(ct);
            Assert.Equal(503, (int)r.StatusCode);
            Assert.DoesNotContain("forged", text);
        }

        await cluster.Processes.StopAsync(3, TimeSpan.FromSeconds(10));
        AegisCli.Result verify = await AegisCli.RunAsync(cluster.Processes.Environment, ct, "verify", "--config", TestnetGenerator.ConfigPath(cluster.Dir, 3));
        Assert.True(verify.Exit == 1, verify.ToString());
        Assert.StartsWith($"corrupt at height {markerHeight}:", verify.LastLine);
    }

    [RootFact]
    public async Task A_primary_whose_disk_fills_is_not_ready_then_resumes_by_itself_when_space_returns()
    {
        CancellationToken ct = Timeout(300);
        await using var cluster = new TestCluster();

        // Node 0 (the primary of view 0) keeps its data on a 24 MiB tmpfs of its own.
        string data = Path.Combine(cluster.Dir, "node0", "data");
        Directory.CreateDirectory(data);
        await RunAsync("mount", ["-t", "tmpfs", "-o", "size=24m", "aegis-integrity-" + Environment.ProcessId, data], ct);
        try
        {
            await cluster.StartAsync(ct);
            Load.Result before = await Load.RunAsync(cluster, [0, 1, 2, 3], count: 40, concurrency: 4, "before", ct);
            Assert.Equal(40, before.Acknowledged.Count);

            // Fill the disk: a filler file takes every byte left.
            string filler = Path.Combine(data, "filler");
            await FillAsync(filler, ct);

            // Load through the others: node 0 cannot persist its votes, so it reports the full disk; the rest commit on.
            Task<Load.Result> during = Load.RunAsync(cluster, [1, 2, 3], count: 400, concurrency: 8, "during", ct);
            string ready = await WaitForReadyBodyAsync(cluster, 0, "disk_full", TimeSpan.FromSeconds(90), ct);
            Assert.Contains("disk full", ready);
            string metrics = await MetricsAsync(cluster, 0, ct);
            Assert.Contains("aegis_node_ready{reason=\"disk_full\"} 0", metrics);
            Assert.Matches("aegis_storage_write_failures_total\\{reason=\"disk_full\"\\} [1-9]", metrics);
            Load.Result loaded = await during;
            Assert.True(loaded.Acknowledged.Count == 400, $"{loaded.Failed} of 400 failed while node 0's disk was full:\n{cluster.Logs()}");

            // Space returns: node 0 resumes by itself (no restart), catches up, is ready and commits again.
            File.Delete(filler);
            int pid = cluster.Processes.Pid(0) ?? throw new InvalidOperationException("node 0 exited:\n" + cluster.Logs());
            await cluster.WaitForHeightAsync([0], loaded.Acknowledged.Values.Max(), TimeSpan.FromSeconds(90), ct);
            Assert.True(await WaitUntilAsync(() => cluster.Processes.IsReadyAsync(0, ct), TimeSpan.FromSeconds(60), ct), "node 0 did not become ready again:\n" + cluster.Logs());
            Assert.Equal(pid, cluster.Processes.Pid(0));
            Load.Result after = await Load.RunAsync(cluster, [0], count: 20, concurrency: 2, "after", ct);
            Assert.Equal(20, after.Acknowledged.Count);
            await cluster.WaitForHeightAsync([0, 1, 2, 3], after.Acknowledged.Values.Max(), TimeSpan.FromSeconds(60), ct);
            await cluster.AssertSameChainAsync(ct);

            // The store is intact: verify re-checks it from genesis.
            await cluster.Processes.StopAsync(0, TimeSpan.FromSeconds(10));
            AegisCli.Result verify = await AegisCli.RunAsync(cluster.Processes.Environment, ct, "verify", "--config", TestnetGenerator.ConfigPath(cluster.Dir, 0));
            Assert.True(verify.Exit == 0, verify.ToString());
            Assert.Matches(@"^ok: \d+ blocks verified$", verify.LastLine);
        }
        finally
        {
            await cluster.Processes.StopAsync(0, TimeSpan.FromSeconds(10));
            await RunAsync("umount", [data], CancellationToken.None);
        }
    }

    /// <summary>Starts the cluster, commits key 'marker', then <paramref name="count"/> more under load; node 3 has them all. Returns the marker's height.</summary>
    private static async Task<ulong> MarkerUnderLoadAsync(TestCluster cluster, int count, CancellationToken ct)
    {
        await cluster.StartAsync(ct);
        (int status, JsonElement body) = await cluster.PostTxAsync(0, "marker", "integrity-" + Guid.NewGuid().ToString("N"), wait: true, ct);
        Assert.Equal(200, status);
        Load.Result load = await Load.RunAsync(cluster, [0, 1, 2], count, concurrency: 4, "integrity", ct);
        Assert.Equal(count, load.Acknowledged.Count);
        await cluster.WaitForHeightAsync([3], load.Acknowledged.Values.Max(), TimeSpan.FromSeconds(60), ct);
        return body.GetProperty("height").GetUInt64();
    }

    private static async Task<byte[]> ReadBlockRowAsync(string db, ulong height, CancellationToken ct)
    {
        await using var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={db};Mode=ReadOnly;Pooling=False");
        await c.OpenAsync(ct);
        await using Microsoft.Data.Sqlite.SqliteCommand cmd = c.CreateCommand();
        cmd.CommandText = $"SELECT block FROM blocks WHERE height = {height}";
        return (byte[])(await cmd.ExecuteScalarAsync(ct))!;
    }

    private static int LastIndexOf(byte[] bytes, byte[] needle)
    {
        // The live row is the newest copy; SQLite may leave stale copies in free pages.
        int last = -1;
        for (int at = bytes.AsSpan().IndexOf(needle); at >= 0; at = bytes.AsSpan(at + 1).IndexOf(needle) is int next and >= 0 ? at + 1 + next : -1)
        {
            last = at;
        }

        return last;
    }

    private static async Task FillAsync(string path, CancellationToken ct)
    {
        await using var f = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        byte[] chunk = new byte[1 << 16];
        try
        {
            while (true)
            {
                await f.WriteAsync(chunk, ct);
                await f.FlushAsync(ct);
            }
        }
        catch (IOException)
        {
            // ENOSPC: the tmpfs is full.
        }
    }

    private static async Task<string> WaitForReadyBodyAsync(TestCluster cluster, int node, string reason, TimeSpan timeout, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        string last = "(no answer)";
        while (watch.Elapsed < timeout)
        {
            try
            {
                using HttpResponseMessage r = await cluster.Http.GetAsync(cluster.Url(node) + "/ready", ct);
                last = $"{(int)r.StatusCode} {await r.Content.ReadAsStringAsync(ct)}";
                if ((int)r.StatusCode == 503 && last.Contains(reason.Replace('_', ' '), StringComparison.Ordinal))
                {
                    return last;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(250, ct);
        }

        throw new TimeoutException($"node{node} /ready did not say {reason} within {timeout}; last: {last}\n{cluster.Logs()}");
    }

    private static async Task<string> ProofAsync(TestCluster cluster, CancellationToken ct)
    {
        using HttpResponseMessage r = await cluster.Http.GetAsync(cluster.Url(0) + "/v1/kv/proved?proof=true", ct);
        string text = await r.Content.ReadAsStringAsync(ct);
        Assert.True(r.IsSuccessStatusCode, text);
        return text;
    }

    private static async Task<string> MetricsAsync(TestCluster cluster, int node, CancellationToken ct)
    {
        using HttpResponseMessage r = await cluster.Http.GetAsync(cluster.Url(node) + "/metrics", ct);
        return await r.Content.ReadAsStringAsync(ct);
    }

    private static async Task<bool> WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < timeout)
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(250, ct);
        }

        return false;
    }

    private static async Task<string> RunAsync(string file, string[] args, CancellationToken ct, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }

        foreach ((string name, string value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        using Process p = Process.Start(info)!;
        Task<string> output = p.StandardOutput.ReadToEndAsync(ct);
        string err = await p.StandardError.ReadToEndAsync(ct);
        await p.WaitForExitAsync(ct);
        Assert.True(p.ExitCode == 0, $"{file} {string.Join(' ', args)}: exit {p.ExitCode}: {err}");
        return await output;
    }
}

/// <summary>A test that mounts a file system (root, mount(8)): skipped locally with how to run it; in CI (CI=true) it runs and fails loudly.</summary>
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (Environment.UserName != "root" && !string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Skip = "needs root to mount a size-limited tmpfs: run the tests as root (CI does)";
        }
    }
}
