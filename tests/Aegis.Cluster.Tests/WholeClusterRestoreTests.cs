using System.Text.Json;
using System.Text.RegularExpressions;
using Aegis.Cli.Testnet;

namespace Aegis.Cluster.Tests;

/// <summary>
/// Disaster recovery of a whole cluster (issue 10): every validator backed up under load at its own height, all
/// stopped and wiped, all restored from their backups (no consensus record survives) and started. Before the fix the
/// restored cluster served reads but committed nothing: each replica's watermark window ended far below its tip. Now
/// the lower ones catch up from the higher ones by block sync, new writes commit on all four, the chain keeps the
/// restored prefix, and <c>aegis verify</c> passes on each. SQLite, and PostgreSQL when the test server is set.
/// </summary>
public partial class WholeClusterRestoreTests
{
    // A window of 10 heights (checkpoint every 4, pipeline 2): backups a few dozen blocks apart lie several windows
    // apart, as days-apart backups of a real chain lie thousands of windows apart, at a test's cost.
    private const int CheckpointInterval = 4;
    private const int PipelineDepth = 2;
    private const int Window = (2 * CheckpointInterval) + PipelineDepth;

    private static CancellationToken Timeout(int seconds) => new CancellationTokenSource(TimeSpan.FromSeconds(seconds)).Token;

    [Fact]
    public async Task Sqlite_a_cluster_restored_from_backups_at_different_heights_commits_again() => await RestoreWholeClusterAsync("sqlite");

    [PostgresFact]
    public async Task Postgres_a_cluster_restored_from_backups_at_different_heights_commits_again() => await RestoreWholeClusterAsync("postgresql");

    private static async Task RestoreWholeClusterAsync(string storage)
    {
        CancellationToken ct = Timeout(300);
        await using var cluster = new TestCluster(storage: storage);
        SmallWindow(cluster);
        await cluster.StartAsync(ct);
        IReadOnlyDictionary<string, string> env = cluster.Processes.Environment;

        // Node i is backed up after round i of the load: four backups, each at its own height, all online.
        var backupHeights = new ulong[cluster.Count];
        for (int i = 0; i < cluster.Count; i++)
        {
            Load.Result round = await Load.RunAsync(cluster, [0, 1, 2, 3], count: 30, concurrency: 2, $"r{i}", ct);
            Assert.True(round.Acknowledged.Count == 30, $"round {i}: {round.Failed} failed");
            await cluster.WaitForHeightAsync([i], round.Acknowledged.Values.Max(), TimeSpan.FromSeconds(60), ct);
            AegisCli.Result backup = await AegisCli.RunAsync(env, ct, "backup", "--config", TestnetGenerator.ConfigPath(cluster.Dir, i), "--out", BackupPath(cluster, i), "--no-encrypt");
            Assert.True(backup.Exit == 0, backup.ToString());
            backupHeights[i] = ulong.Parse(BackupHeight().Match(backup.LastLine).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        }

        for (int i = 1; i < cluster.Count; i++)
        {
            Assert.True(backupHeights[i] > backupHeights[i - 1] + Window, $"backups at heights {string.Join(", ", backupHeights)}: not a window apart, the test would not show the lower ones catching up");
        }

        // The chain the backups hold, as the cluster had it: the restored cluster must keep exactly this prefix.
        ulong prefix = backupHeights.Max();
        string[] hashes = await BlockHashesAsync(cluster, 0, prefix, ct);

        // The disaster: every validator stopped and its data gone; each restored from its own backup.
        await cluster.Processes.StopAllAsync(TimeSpan.FromSeconds(10));
        for (int i = 0; i < cluster.Count; i++)
        {
            await OperationsTests.WipeAsync(cluster, storage, i, ct);
            AegisCli.Result restored = await AegisCli.RunAsync(env, ct, "restore", "--config", TestnetGenerator.ConfigPath(cluster.Dir, i), "--from", BackupPath(cluster, i));
            Assert.True(restored.Exit == 0, restored.ToString());
            Assert.Equal($"ok: start the node; it rejoins and catches up from height {backupHeights[i]}", restored.LastLine);
        }

        cluster.Processes.StartAll();
        Assert.True(await cluster.Processes.WaitReadyAsync(TimeSpan.FromSeconds(60), ct), "the restored cluster did not become ready:\n" + cluster.Logs());

        // New writes commit through every node, above the highest backup, and all four reach them.
        Load.Result after = await Load.RunAsync(cluster, [0, 1, 2, 3], count: 20, concurrency: 2, "after", ct);
        Assert.True(after.Acknowledged.Count == 20, $"{after.Failed} of 20 writes after the restore failed:\n" + cluster.Logs());
        Assert.True(after.Acknowledged.Values.Min() > prefix, $"a write after the restore committed at {after.Acknowledged.Values.Min()}, at or below the restored tip {prefix}");
        await cluster.WaitForHeightAsync([0, 1, 2, 3], after.Acknowledged.Values.Max(), TimeSpan.FromSeconds(60), ct);
        await cluster.AssertSameChainAsync(ct);
        for (int i = 0; i < cluster.Count; i++)
        {
            Assert.Equal(hashes, await BlockHashesAsync(cluster, i, prefix, ct));
        }

        // What the backups held is still there, on the node restored lowest too.
        JsonElement kv = await cluster.GetAsync(0, "/v1/kv/r3-0", ct) ?? throw new InvalidOperationException("node0 lost key r3-0");
        Assert.Equal("v0", kv.GetProperty("value").GetString());

        // Offline, every restored store verifies from genesis, including the blocks committed after the restore.
        await cluster.Processes.StopAllAsync(TimeSpan.FromSeconds(10));
        for (int i = 0; i < cluster.Count; i++)
        {
            AegisCli.Result verified = await AegisCli.RunAsync(env, ct, "verify", "--config", TestnetGenerator.ConfigPath(cluster.Dir, i));
            Assert.True(verified.Exit == 0, $"node{i}: {verified}");
            Assert.Matches(@"^ok: \d+ blocks verified$", verified.LastLine);
        }
    }

    private static string BackupPath(TestCluster cluster, int node) => Path.Combine(cluster.Dir, $"node{node}.bak");

    private static async Task<string[]> BlockHashesAsync(TestCluster cluster, int node, ulong through, CancellationToken ct)
    {
        var hashes = new string[through];
        for (ulong h = 1; h <= through; h++)
        {
            JsonElement block = await cluster.GetAsync(node, $"/v1/blocks/{h}", ct) ?? throw new InvalidOperationException($"node{node} has no block {h}");
            hashes[h - 1] = block.GetProperty("hash").GetString()!;
        }

        return hashes;
    }

    /// <summary>Genesis with a watermark window of <see cref="Window"/> heights, written before the nodes first start.</summary>
    private static void SmallWindow(TestCluster cluster) =>
        SnapshotJoinTests.SetConsensus(cluster, ("checkpoint_interval", CheckpointInterval), ("pipeline_depth", PipelineDepth), ("dedup_horizon_blocks", 32));

    [GeneratedRegex(@"heights 1\.\.(\d+) ")]
    private static partial Regex BackupHeight();
}
