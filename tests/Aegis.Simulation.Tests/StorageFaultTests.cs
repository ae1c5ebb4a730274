using Aegis.Core.Crypto;
using Aegis.Core.Ledger;
using Aegis.Core.State;
using Aegis.Core.State.Commitment;
using Aegis.Storage;
using Aegis.Simulation;

namespace Aegis.Simulation.Tests;

/// <summary>The simulated disk's faults, and what the production host does under them.</summary>
public sealed class StorageFaultTests
{
    private static readonly Hash32 GenesisHash = Hash32.Compute("genesis"u8);

    /// <summary>Three linked blocks as one write group (certificates unsigned: the store checks linkage, not signatures).</summary>
    private static WriteGroup ThreeBlocks()
    {
        var writes = new List<BlockWrite>();
        Hash32 previous = GenesisHash;
        Hash32 root = BlockExecutor.GenesisStateRoot;
        var tree = new InMemoryTreeNodeStore();
        for (ulong h = 1; h <= 3; h++)
        {
            Transaction[] txs = [Transaction.Put($"k{h}", "v")];
            var block = new Block(new BlockHeader("chain", h, 0, previous, Block.ComputeTxRoot(txs), root, 0, 1000, 1), txs);
            ExecutionResult result = BlockExecutor.Execute(block, root, new NothingApplied(), tree);
            tree.Apply(result.Tree, h);
            writes.Add(new BlockWrite(block, new CommitCertificate(h, block.Hash, 0, []), result));
            previous = block.Hash;
            root = result.StateRoot;
        }

        return new WriteGroup(writes, [new ConsensusRecordEntry(3, [3])], 0);
    }

    [Fact]
    public async Task A_crash_in_the_middle_of_a_write_group_keeps_it_whole_or_loses_it_whole()
    {
        var outcomes = new HashSet<ulong>();
        for (ulong seed = 1; seed <= 24; seed++)
        {
            var scheduler = new SimScheduler();
            var disk = new SimDisk(0, scheduler, new SimRandom(seed), FaultProfile.Quiet with { FsyncMs = 10 }, GenesisHash);
            INodeStore store = disk.Open();
            Task? write = null;
            scheduler.Post(() =>
            {
                store.InitializeAsync(default).GetAwaiter().GetResult();
                write = store.WriteGroupAsync(ThreeBlocks(), default);
            });
            scheduler.At(TimeSpan.FromMilliseconds(1), disk.Crash);
            scheduler.Run(TimeSpan.FromSeconds(1), () => false);

            // The process never hears either way; the disk holds all three blocks and the entry, or none of it.
            Assert.True(write!.IsFaulted);
            INodeStore after = disk.Open();
            await after.InitializeAsync(default);
            ulong tip = (await after.GetTipAsync(default)).Height;
            int record = (await after.ReadConsensusRecordAsync(default)).Count;
            Assert.Contains((tip, record), new[] { (0UL, 0), (3UL, 1) });
            outcomes.Add(tip);
            Assert.Equal(1, disk.GroupsKeptInCrashes + disk.GroupsLostInCrashes);
        }

        Assert.Equal([0UL, 3UL], outcomes.Order());
    }

    [Fact]
    public async Task A_write_is_not_visible_before_its_fsync_and_the_dead_process_store_refuses_everything()
    {
        var scheduler = new SimScheduler();
        var disk = new SimDisk(0, scheduler, new SimRandom(7), FaultProfile.Quiet with { FsyncMs = 10 }, GenesisHash);
        INodeStore store = disk.Open();
        ulong seenDuringWrite = ulong.MaxValue;
        scheduler.Post(() =>
        {
            store.InitializeAsync(default).GetAwaiter().GetResult();
            _ = store.WriteGroupAsync(ThreeBlocks(), default);
            seenDuringWrite = store.GetTipAsync(default).GetAwaiter().GetResult().Height;
        });
        scheduler.Run(TimeSpan.FromSeconds(1), () => false);

        Assert.Equal(0UL, seenDuringWrite);
        Assert.Equal(3UL, (await store.GetTipAsync(default)).Height);
        disk.Crash();
        Assert.Contains("dead", (await Assert.ThrowsAsync<StorageException>(() => store.GetTipAsync(default))).Message);
    }

    [Fact]
    public void A_disk_that_fails_writes_stops_its_node_from_committing_corrupts_nothing_and_the_node_recovers()
    {
        using var cluster = new SimCluster(new SimClusterOptions());
        cluster.StartAll();
        cluster.Submit([.. Enumerable.Range(0, 10).Select(k => Transaction.Put($"a{k}", "v"))]);
        ulong before = cluster.Height(2);

        FailDisk(cluster, 2, TimeSpan.FromMilliseconds(800));
        cluster.Offer([.. Enumerable.Range(0, 10).Select(k => Transaction.Put($"b{k}", "v"))], 0, 1, 3);
        cluster.Run(TimeSpan.FromMilliseconds(700));

        // While its disk fails, node 2 writes nothing: no block, no vote, no acknowledgement; the others go on.
        Assert.Equal(before, cluster.Height(2));
        Assert.True(cluster.Height(0) > before);

        Assert.True(cluster.RunUntil(() => cluster.Height(2) == cluster.Height(0), TimeSpan.FromSeconds(5)));
        Assert.True(cluster.Checker.Recoveries > 0);
        Assert.Equal(cluster.Chain(0).Select(b => b.Block.Hash), cluster.Chain(2).Select(b => b.Block.Hash));
        Assert.True(cluster.Checker.Violations.Count == 0, string.Join("\n", cluster.Checker.Violations));
    }

    [Fact]
    public void Fsync_latency_spikes_slow_commits_down_and_break_nothing()
    {
        TimeSpan Elapsed(FaultProfile profile)
        {
            using var cluster = new SimCluster(new SimClusterOptions { Profile = profile });
            cluster.StartAll();
            for (int k = 0; k < 20; k++)
            {
                cluster.Submit(Transaction.Put($"k{k}", "v"), k % 4);
            }

            Assert.True(cluster.Checker.Violations.Count == 0, string.Join("\n", cluster.Checker.Violations));
            Assert.Equal(20, cluster.Chain(0).Sum(b => b.Block.Transactions.Count));
            return cluster.Scheduler.Elapsed;
        }

        TimeSpan smooth = Elapsed(FaultProfile.Quiet);
        TimeSpan spiky = Elapsed(FaultProfile.Quiet with { FsyncSpikeRate = 0.5, MaxFsyncSpikeMs = 200 });
        Assert.True(spiky > smooth * 2, $"20 commits took {smooth} on a smooth disk and {spiky} with fsync spikes");
    }

    private static void FailDisk(SimCluster cluster, int node, TimeSpan duration) =>
        cluster.DiskOf(node).FailingUntil = (cluster.Scheduler.Elapsed + duration).Ticks;

    private sealed class NothingApplied : IStateView
    {
        public bool IsTxApplied(Hash32 txHash) => false;
    }
}
