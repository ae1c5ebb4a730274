using System.Text.Json;
using System.Text.Json.Nodes;
using Aegis.Cli.Testnet;

namespace Aegis.Cluster.Tests;

/// <summary>
/// A wiped validator of a loaded 4-node testnet rejoins by snapshot (real processes, real stores) and holds the same
/// chain and the same values as the others. With <c>storage.keep_history: false</c> (SQLite) it holds no history below
/// its snapshot and answers 404 naming that for a block below it; with the default (PostgreSQL) it backfills the history
/// down to block 1 in the background and then serves every block and old transactions' lookups as the others do.
/// </summary>
public class SnapshotJoinTests
{
    private static CancellationToken Timeout(int seconds) => new CancellationTokenSource(TimeSpan.FromSeconds(seconds)).Token;

    [Fact]
    public async Task Sqlite_a_wiped_node_rejoins_by_snapshot_under_load_with_the_same_chain_and_state_without_history() => await WipedNodeJoinsBySnapshotAsync("sqlite", keepHistory: false);

    [PostgresFact]
    public async Task Postgres_a_wiped_node_rejoins_by_snapshot_under_load_and_backfills_the_whole_history() => await WipedNodeJoinsBySnapshotAsync("postgresql", keepHistory: true);

    private static async Task WipedNodeJoinsBySnapshotAsync(string storage, bool keepHistory)
    {
        CancellationToken ct = Timeout(300);
        await using var cluster = new TestCluster(storage: storage);

        // Node 3 takes a snapshot of a chain past 10 blocks (the default waits for 1,000, too long for a test).
        JoinBySnapshot(cluster, 3, keepHistory);
        ShortDedupWindow(cluster);
        await cluster.StartAsync(ct);

        Load.Result before = await Load.RunAsync(cluster, [0, 1, 2, 3], count: 60, concurrency: 2, "before", ct);
        Assert.Equal(60, before.Acknowledged.Count);
        await cluster.Processes.StopAsync(3, TimeSpan.FromSeconds(10));
        await OperationsTests.WipeAsync(cluster, storage, 3, ct);

        // Load on the others while node 3 is down and while it joins.
        Load.Result during = await Load.RunAsync(cluster, [0, 1, 2], count: 30, concurrency: 2, "during", ct);
        ulong tipBefore = await cluster.HeightAsync(0, ct);
        Assert.True(tipBefore > 26, $"the chain reached only height {tipBefore}: too short for a snapshot past 10 blocks");
        cluster.Processes.Start(3);
        Load.Result after = await Load.RunAsync(cluster, [0, 1, 2], count: 20, concurrency: 2, "after", ct);
        ulong tip = Math.Max(after.Acknowledged.Values.DefaultIfEmpty(0UL).Max(), tipBefore);
        await cluster.WaitForHeightAsync([3], tip, TimeSpan.FromSeconds(90), ct);

        string log = File.ReadAllText(cluster.Processes.LogPath(3));
        Assert.Contains("snapshot installed at height", log);

        if (keepHistory)
        {
            // The history below the snapshot comes in the background: /status says so until block 1 is stored.
            JsonElement status = await WaitForHistoryAsync(cluster, 3, TimeSpan.FromSeconds(60), ct);
            Assert.Equal(1UL, status.GetProperty("history_from").GetUInt64());
            Assert.Contains("history backfilled: blocks 1..", File.ReadAllText(cluster.Processes.LogPath(3)));

            // Old transactions are found where the others have them (the tx index covers the backfilled blocks).
            JsonElement oldBlock = await cluster.GetAsync(0, "/v1/blocks/2", ct) ?? throw new InvalidOperationException("node0 has no block 2");
            foreach (JsonElement tx in oldBlock.GetProperty("txs").EnumerateArray())
            {
                string txHash = tx.GetProperty("tx_hash").GetString()!;
                JsonElement mine = await cluster.GetAsync(3, $"/v1/tx/{txHash}", ct) ?? throw new InvalidOperationException($"node3 does not find tx {txHash} of block 2");
                JsonElement theirs = (await cluster.GetAsync(0, $"/v1/tx/{txHash}", ct))!.Value;
                Assert.Equal(theirs.GetProperty("height").GetUInt64(), mine.GetProperty("height").GetUInt64());
                Assert.Equal(theirs.GetProperty("block_hash").GetString(), mine.GetProperty("block_hash").GetString());
                Assert.Equal(theirs.GetProperty("outcome").GetString(), mine.GetProperty("outcome").GetString());
            }
        }
        else
        {
            // No history below the snapshot: a clear 404, not a wrong or empty block.
            using HttpResponseMessage below = await cluster.Http.GetAsync(cluster.Url(3) + "/v1/blocks/1", ct);
            Assert.Equal(404, (int)below.StatusCode);
            string message = await below.Content.ReadAsStringAsync(ct);
            Assert.Contains("joined by snapshot", message);
            JsonElement status = (await cluster.GetAsync(3, "/status", ct))!.Value;
            Assert.Equal("off", status.GetProperty("history").GetString());
            Assert.True(status.GetProperty("history_from").GetUInt64() > 1);
        }

        // The same chain from its first block, on every node.
        ulong common = tip;
        ulong h = common;
        int compared = 0;
        while (h >= 1 && await cluster.GetAsync(3, $"/v1/blocks/{h}", ct) is { } block)
        {
            string hash = block.GetProperty("hash").GetString()!;
            for (int i = 0; i < 3; i++)
            {
                JsonElement other = await cluster.GetAsync(i, $"/v1/blocks/{h}", ct) ?? throw new InvalidOperationException($"node{i} has no block {h}");
                Assert.Equal(other.GetProperty("hash").GetString(), hash);
            }

            compared++;
            h--;
        }

        Assert.True(compared >= 10 && (keepHistory ? h == 0 : h >= 1), $"compared {compared} blocks, node 3's history starts above {h}");

        // The same values, including those written long before the snapshot.
        foreach (string key in Enumerable.Range(0, 60).Select(i => $"before-{i}").Concat(Enumerable.Range(0, 30).Select(i => $"during-{i}")))
        {
            JsonElement? mine = await cluster.GetAsync(3, $"/v1/kv/{key}", ct);
            JsonElement? theirs = await cluster.GetAsync(0, $"/v1/kv/{key}", ct);
            Assert.Equal(theirs?.GetProperty("value").GetString(), mine?.GetProperty("value").GetString());
            Assert.NotNull(mine);

            // The height of its last write, as on the others; without the history, 0 for a write below it.
            ulong myHeight = mine.Value.GetProperty("height").GetUInt64(), theirHeight = theirs!.Value.GetProperty("height").GetUInt64();
            Assert.True(myHeight == theirHeight || (!keepHistory && myHeight == 0), $"key {key}: node3 says height {myHeight}, node0 {theirHeight}");
        }

        // A restart passes the start-time integrity check on a history that begins above 1 (it once called the
        // missing block below the window damage) and serves again.
        await cluster.Processes.StopAsync(3, TimeSpan.FromSeconds(10));
        cluster.Processes.Start(3);
        await cluster.WaitForHeightAsync([3], tip, TimeSpan.FromSeconds(60), ct);
        Assert.DoesNotContain("store corrupt", File.ReadAllText(cluster.Processes.LogPath(3)), StringComparison.OrdinalIgnoreCase);

        // Offline: verify passes (without the history it checks from the first block and says so; with the backfilled
        // history it replays from genesis, kv heights included); backup needs block 1.
        await cluster.Processes.StopAsync(3, TimeSpan.FromSeconds(10));
        string config = TestnetGenerator.ConfigPath(cluster.Dir, 3);
        AegisCli.Result verify = await AegisCli.RunAsync(cluster.Processes.Environment, ct, "verify", "--config", config);
        Assert.True(verify.Exit == 0, verify.ToString());
        Assert.Matches(@"^ok: \d+ blocks verified$", verify.LastLine);
        string backupFile = Path.Combine(cluster.Dir, "node3.bak");
        AegisCli.Result backup = await AegisCli.RunAsync(cluster.Processes.Environment, ct, "backup", "--config", config, "--out", backupFile, "--no-encrypt");
        if (keepHistory)
        {
            Assert.DoesNotContain("joined by snapshot", verify.Stdout);
            Assert.True(backup.Exit == 0, backup.ToString());
            Assert.True(new FileInfo(backupFile).Length > 0);
        }
        else
        {
            Assert.Matches(@"history from (\d+) \(joined by snapshot at \1\)", verify.Stdout);
            Assert.True(backup.Exit == 1, backup.ToString());
            Assert.Contains("joined by snapshot and holds blocks", backup.Stderr);
            Assert.False(File.Exists(backupFile));
        }
    }

    /// <summary>Polls <c>/status</c> until the node reports its whole history held; returns that status.</summary>
    internal static async Task<JsonElement> WaitForHistoryAsync(TestCluster cluster, int node, TimeSpan timeout, CancellationToken ct)
    {
        DateTime until = DateTime.UtcNow + timeout;
        JsonElement? status = null;
        while (DateTime.UtcNow < until)
        {
            status = await cluster.GetAsync(node, "/status", ct);
            if (status?.GetProperty("history").GetString() == "complete")
            {
                return status.Value;
            }

            await Task.Delay(500, ct);
        }

        throw new TimeoutException($"node{node} did not backfill its history within {timeout.TotalSeconds:F0} s: last /status {status}");
    }

    /// <summary>Turns snapshot join on for <paramref name="node"/>, past 10 blocks (the default waits for 1,000, too long for a test).</summary>
    internal static void JoinBySnapshot(TestCluster cluster, int node, bool keepHistory)
    {
        string config = TestnetGenerator.ConfigPath(cluster.Dir, node);
        File.WriteAllText(config, File.ReadAllText(config).Replace("storage:\n  type:", $"storage:\n  snapshot_sync: true\n  snapshot_min_blocks: 10\n  keep_history: {(keepHistory ? "true" : "false")}\n  type:", StringComparison.Ordinal));
        Assert.Contains("snapshot_min_blocks: 10", File.ReadAllText(config));
    }

    /// <summary>
    /// A dedup window of 8 blocks (the default 256 is longer than a test's chain): a snapshot keeps 8 blocks below its
    /// height, so a joined node's history starts well above 1.
    /// </summary>
    internal static void ShortDedupWindow(TestCluster cluster) => SetConsensus(cluster, ("dedup_horizon_blocks", 8));

    /// <summary>Sets consensus parameters in the testnet's genesis.json, before its nodes first start.</summary>
    internal static void SetConsensus(TestCluster cluster, params (string Key, int Value)[] values)
    {
        string genesisFile = Path.Combine(cluster.Dir, "genesis.json");
        var genesis = JsonNode.Parse(File.ReadAllText(genesisFile))!.AsObject();
        if (genesis["consensus"] is not JsonObject consensus)
        {
            genesis["consensus"] = consensus = new JsonObject();
        }

        foreach ((string key, int value) in values)
        {
            consensus[key] = value;
        }

        File.WriteAllText(genesisFile, genesis.ToJsonString());
    }
}
