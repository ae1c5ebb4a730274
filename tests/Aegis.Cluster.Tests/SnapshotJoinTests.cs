using System.Text.Json;
using System.Text.Json.Nodes;
using Aegis.Cli.Testnet;

namespace Aegis.Cluster.Tests;

/// <summary>
/// A wiped validator of a loaded 4-node testnet rejoins by snapshot (real processes, real stores): it holds no history
/// below its snapshot, answers 404 naming that for a block below it, and holds the same chain above it and the same
/// values as the others; on SQLite and on PostgreSQL.
/// </summary>
public class SnapshotJoinTests
{
    private static CancellationToken Timeout(int seconds) => new CancellationTokenSource(TimeSpan.FromSeconds(seconds)).Token;

    [Fact]
    public async Task Sqlite_a_wiped_node_rejoins_by_snapshot_under_load_with_the_same_chain_and_state() => await WipedNodeJoinsBySnapshotAsync("sqlite");

    [PostgresFact]
    public async Task Postgres_a_wiped_node_rejoins_by_snapshot_under_load_with_the_same_chain_and_state() => await WipedNodeJoinsBySnapshotAsync("postgresql");

    private static async Task WipedNodeJoinsBySnapshotAsync(string storage)
    {
        CancellationToken ct = Timeout(300);
        await using var cluster = new TestCluster(storage: storage);

        // Node 3 takes a snapshot of a chain past 10 blocks (the default waits for 1,000, too long for a test).
        string config3 = TestnetGenerator.ConfigPath(cluster.Dir, 3);
        File.WriteAllText(config3, File.ReadAllText(config3).Replace("storage:\n  type:", "storage:\n  snapshot_sync: true\n  snapshot_min_blocks: 10\n  type:", StringComparison.Ordinal));
        Assert.Contains("snapshot_min_blocks: 10", File.ReadAllText(config3));

        // A dedup window of 8 blocks (the default 256 is longer than this test's chain): the snapshot keeps 8 blocks
        // below its height, so node 3's history starts well above 1.
        string genesisFile = Path.Combine(cluster.Dir, "genesis.json");
        var genesis = JsonNode.Parse(File.ReadAllText(genesisFile))!.AsObject();
        if (genesis["consensus"] is not JsonObject consensus)
        {
            genesis["consensus"] = consensus = new JsonObject();
        }

        consensus["dedup_horizon_blocks"] = 8;
        File.WriteAllText(genesisFile, genesis.ToJsonString());
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

        // No history below the snapshot: a clear 404, not a wrong or empty block.
        using HttpResponseMessage below = await cluster.Http.GetAsync(cluster.Url(3) + "/v1/blocks/1", ct);
        Assert.Equal(404, (int)below.StatusCode);
        string message = await below.Content.ReadAsStringAsync(ct);
        Assert.Contains("joined by snapshot", message);

        // The same chain above its first block, on every node.
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

        Assert.True(compared >= 10 && h >= 1, $"compared {compared} blocks, node 3's history starts above {h}");

        // The same values, including those written long before the snapshot.
        foreach (string key in Enumerable.Range(0, 60).Select(i => $"before-{i}").Concat(Enumerable.Range(0, 30).Select(i => $"during-{i}")))
        {
            JsonElement? mine = await cluster.GetAsync(3, $"/v1/kv/{key}", ct);
            JsonElement? theirs = await cluster.GetAsync(0, $"/v1/kv/{key}", ct);
            Assert.Equal(theirs?.GetProperty("value").GetString(), mine?.GetProperty("value").GetString());
            Assert.NotNull(mine);
        }

        // A restart passes the start-time integrity check on a history that begins above 1 (it once called the
        // missing block below the window damage) and serves again.
        await cluster.Processes.StopAsync(3, TimeSpan.FromSeconds(10));
        cluster.Processes.Start(3);
        await cluster.WaitForHeightAsync([3], tip, TimeSpan.FromSeconds(60), ct);
        Assert.DoesNotContain("store corrupt", File.ReadAllText(cluster.Processes.LogPath(3)), StringComparison.OrdinalIgnoreCase);
    }
}
