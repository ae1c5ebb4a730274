using System.Text.Json;

namespace Aegis.Cluster.Tests;

/// <summary>
/// An empty observer of a loaded testnet joins by snapshot, as a validator does, backfills the history below it, and
/// serves the same reads as the validators (real processes, SQLite).
/// </summary>
public class ObserverSnapshotJoinTests
{
    [Fact]
    public async Task A_wiped_observer_joins_by_snapshot_backfills_its_history_and_serves_the_validators_reads()
    {
        CancellationToken ct = new CancellationTokenSource(TimeSpan.FromSeconds(240)).Token;
        const int observer = 4;
        await using var cluster = new TestCluster(observers: 1);
        SnapshotJoinTests.JoinBySnapshot(cluster, observer, keepHistory: true);
        SnapshotJoinTests.ShortDedupWindow(cluster);
        await cluster.StartAsync(ct);

        Load.Result before = await Load.RunAsync(cluster, [0, 1, 2, 3], count: 60, concurrency: 2, "before", ct);
        Assert.Equal(60, before.Acknowledged.Count);
        await cluster.Processes.StopAsync(observer, TimeSpan.FromSeconds(10));
        await OperationsTests.WipeAsync(cluster, "sqlite", observer, ct);
        Load.Result during = await Load.RunAsync(cluster, [0, 1, 2, 3], count: 30, concurrency: 2, "during", ct);
        ulong tip = Math.Max(during.Acknowledged.Values.DefaultIfEmpty(0UL).Max(), await cluster.HeightAsync(0, ct));
        Assert.True(tip > 26, $"the chain reached only height {tip}: too short for a snapshot past 10 blocks");

        // The log file is appended to: look at what this start wrote (the first start replayed a young chain).
        int logged = File.Exists(cluster.Processes.LogPath(observer)) ? File.ReadAllText(cluster.Processes.LogPath(observer)).Length : 0;
        cluster.Processes.Start(observer);
        await cluster.WaitForHeightAsync([observer], tip, TimeSpan.FromSeconds(90), ct);
        string log = File.ReadAllText(cluster.Processes.LogPath(observer))[logged..];
        Assert.Contains("snapshot installed at height", log);
        Assert.DoesNotContain("replaying the chain from genesis", log);

        JsonElement status = await SnapshotJoinTests.WaitForHistoryAsync(cluster, observer, TimeSpan.FromSeconds(60), ct);
        Assert.Equal("observer", status.GetProperty("role").GetString());
        Assert.Equal(1UL, status.GetProperty("history_from").GetUInt64());

        // The same blocks from 1, the same values and the same tx lookups as a validator.
        for (ulong h = 1; h <= tip; h++)
        {
            JsonElement mine = await cluster.GetAsync(observer, $"/v1/blocks/{h}", ct) ?? throw new InvalidOperationException($"the observer has no block {h}");
            JsonElement theirs = (await cluster.GetAsync(0, $"/v1/blocks/{h}", ct))!.Value;
            Assert.Equal(theirs.GetProperty("hash").GetString(), mine.GetProperty("hash").GetString());
        }

        foreach (string key in Enumerable.Range(0, 60).Select(i => $"before-{i}").Concat(Enumerable.Range(0, 30).Select(i => $"during-{i}")))
        {
            JsonElement? mine = await cluster.GetAsync(observer, $"/v1/kv/{key}", ct);
            Assert.NotNull(mine);
            Assert.Equal((await cluster.GetAsync(0, $"/v1/kv/{key}", ct))?.GetProperty("value").GetString(), mine.Value.GetProperty("value").GetString());
        }

        foreach (string hash in before.Acknowledged.Keys.Take(10))
        {
            JsonElement mine = await cluster.GetAsync(observer, $"/v1/tx/{hash}", ct) ?? throw new InvalidOperationException($"the observer does not find tx {hash}");
            Assert.Equal(before.Acknowledged[hash], mine.GetProperty("height").GetUInt64());
        }

        // It keeps following: a write through a validator shows up on the observer.
        Assert.Equal(200, (await cluster.PostTxAsync(0, "after-join", "yes", wait: true, ct)).Status);
        ulong now = await cluster.HeightAsync(0, ct);
        await cluster.WaitForHeightAsync([observer], now, TimeSpan.FromSeconds(30), ct);
        Assert.Equal("yes", (await cluster.GetAsync(observer, "/v1/kv/after-join", ct))!.Value.GetProperty("value").GetString());
    }
}
