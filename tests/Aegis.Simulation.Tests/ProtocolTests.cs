using Aegis.Core.Consensus;
using Aegis.Core.Consensus.Messages;
using Aegis.Core.Crypto;
using Aegis.Core.Ledger;
using Aegis.Core.State.Commitment;
using Aegis.Node.Runtime;
using Aegis.Storage;
using Aegis.Simulation;

namespace Aegis.Simulation.Tests;

/// <summary>
/// Protocol traces through the production host: the replica, its loop and writer, commit waiters and sync, on
/// simulated disks and links with no faults unless a test makes one. Every run is also watched by the invariant checker.
/// </summary>
public sealed class ProtocolTests : IDisposable
{
    private SimCluster? _cluster;

    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    public void Dispose()
    {
        if (_cluster is not null)
        {
            Assert.True(_cluster.Checker.Violations.Count == 0, string.Join("\n", _cluster.Checker.Violations));
            _cluster.Dispose();
        }
    }

    private SimCluster Cluster(int n = 4, ConsensusParameters? parameters = null, ReplicaOptions? replica = null, params int[] dishonest) =>
        Cluster(new SimClusterOptions().SnapshotSync, n, parameters, replica, dishonest);

    private SimCluster Cluster(Aegis.Node.StateSync.SnapshotSyncOptions snapshot, int n = 4, ConsensusParameters? parameters = null, ReplicaOptions? replica = null, params int[] dishonest)
    {
        _cluster = new SimCluster(new SimClusterOptions
        {
            SnapshotSync = snapshot,
            Replicas = n,
            Parameters = parameters ?? new ConsensusParameters { CheckpointInterval = 4, PipelineDepth = 2, DedupHorizonBlocks = 4 },
            Replica = replica ?? new ReplicaOptions { ViewChangeTimeoutTicks = 20, RetransmitTicks = 5 },
            KeepSent = true,
            Dishonest = dishonest.ToHashSet(),
            Log = Environment.GetEnvironmentVariable("SIMLOG") is { } path ? new StreamWriter(path) { AutoFlush = true } : null,
        });
        _cluster.StartAll();
        _cluster.Run(TimeSpan.FromMilliseconds(10));
        return _cluster;
    }

    private static string? Value(SimCluster cluster, int node, string key) =>
        cluster.Disk(node).GetAsync(System.Text.Encoding.UTF8.GetBytes(key), default).GetAwaiter().GetResult() is { } entry ? System.Text.Encoding.UTF8.GetString(entry.Value) : null;

    private static T Sign<T>(SimCluster cluster, int signer, T message)
        where T : ConsensusMessage
    {
        var signature = new byte[Signature.Size];
        cluster.Signer(signer).Sign(message.SignedBytes(cluster.Genesis.ChainId), signature);
        return message with { Signature = signature };
    }

    [Fact]
    public void A_transaction_submitted_to_all_validators_commits_at_height_1_everywhere_with_a_quorum_certificate()
    {
        SimCluster cluster = Cluster();
        Transaction tx = Transaction.Put("color", "blue");

        cluster.Submit(tx);

        for (int i = 0; i < 4; i++)
        {
            StoredBlock block = Assert.Single(cluster.Chain(i));
            Assert.Equal(1UL, block.Height);
            Assert.Equal(tx.Hash, Assert.Single(block.Block.Transactions).Hash);
            Assert.Equal(cluster.Genesis.Hash, block.Block.Header.PreviousHash);
            Assert.Null(block.Certificate.Verify(cluster.Genesis.Validators, cluster.Genesis.ChainId, block.Block));
            Assert.Equal("blue", Value(cluster, i, "color"));
        }
    }

    [Fact]
    public async Task Every_validator_commits_the_same_chain_and_a_client_hears_of_its_commit()
    {
        SimCluster cluster = Cluster();
        Transaction[] txs = [.. Enumerable.Range(0, 20).Select(k => Transaction.Put($"k{k}", $"v{k}"))];
        cluster.Submit(txs, 2);

        Hash32[] first = [.. cluster.Chain(0).Select(b => b.Block.Hash)];
        Assert.All(Enumerable.Range(0, 4), i => Assert.Equal(first, cluster.Chain(i).Select(b => b.Block.Hash)));
        Assert.Equal(20, cluster.Chain(0).Sum(b => b.Block.Transactions.Count));

        // The commit waiters: the node answers from what is durable.
        Task<CommitInfo> wait = cluster.Runtime(3)!.WaitForCommitAsync(txs[7].Hash, CancellationToken.None);
        cluster.Run(TimeSpan.FromMilliseconds(10));
        Assert.True(wait.IsCompletedSuccessfully);
        Assert.Equal(cluster.Chain(3).Single(b => b.Block.Transactions.Any(t => t.Hash == txs[7].Hash)).Height, (await wait).Height);
    }

    [Fact]
    public void A_single_validator_commits_alone()
    {
        SimCluster cluster = Cluster(1);
        cluster.Submit(Transaction.Put("a", "1"));
        cluster.Submit(Transaction.Delete("a"));

        Assert.Equal(2UL, cluster.Height(0));
        Assert.Null(Value(cluster, 0, "a"));
    }

    [Fact]
    public void The_primary_keeps_at_most_its_blocks_in_flight_before_anything_commits()
    {
        SimCluster cluster = Cluster(replica: new ReplicaOptions { MaxBlockTxs = 1, ViewChangeTimeoutTicks = 200, RetransmitTicks = 5 });

        // Hold back every vote so nothing can commit, then offer the primary five transactions.
        cluster.Network.Filter = (_, _, m) => m is Vote ? null : m;
        cluster.Offer([.. Enumerable.Range(0, 5).Select(k => Transaction.Put($"k{k}", "v"))], 0);
        cluster.Run(Second);

        ulong[] proposed = [.. cluster.Sent(0).OfType<PrePrepare>().Select(p => p.Height).Distinct()];
        Assert.Equal([1UL, 2UL], proposed);
        Assert.Equal(0UL, cluster.Height(0));
    }

    [Fact]
    public void With_one_block_in_flight_the_primary_waits_for_its_commit_and_then_batches_what_arrived_meanwhile()
    {
        SimCluster cluster = Cluster(parameters: new ConsensusParameters { CheckpointInterval = 4, PipelineDepth = 8, DedupHorizonBlocks = 4 }, replica: new ReplicaOptions { MaxBlocksInFlight = 1, ViewChangeTimeoutTicks = 200, RetransmitTicks = 5 });

        cluster.Network.Filter = (_, _, m) => m is Vote ? null : m;
        Transaction[] txs = [.. Enumerable.Range(0, 5).Select(k => Transaction.Put($"k{k}", "v"))];
        cluster.Offer([txs[0]], 0);
        cluster.Run(TimeSpan.FromMilliseconds(50));
        cluster.Offer(txs[1..], 0);
        cluster.Run(Second);

        PrePrepare[] proposed = [.. cluster.Sent(0).OfType<PrePrepare>().DistinctBy(p => p.Height)];
        Assert.Equal([1UL], proposed.Select(p => p.Height));
        Assert.Single(proposed[0].Block.Transactions);

        // Once height 1 commits, the four transactions that waited go out together in height 2.
        cluster.Network.Filter = null;
        Assert.True(cluster.RunUntil(() => Enumerable.Range(0, 4).All(i => cluster.Height(i) == 2), 3 * Second));
        Assert.Equal(4, cluster.Chain(0)[1].Block.Transactions.Count);
    }

    [Fact]
    public void A_duplicate_submission_is_committed_once_and_answered_as_a_duplicate()
    {
        SimCluster cluster = Cluster();
        Transaction tx = Transaction.Put("k", "v", clientId: "req-1");
        cluster.Submit(tx);
        List<SubmitStatus> again = cluster.Offer([Transaction.Put("k", "v", clientId: "req-1")], 1);
        cluster.Run(Second);

        Assert.Equal([SubmitStatus.Duplicate], again);
        Assert.Equal(1, cluster.Chain(0).Sum(b => b.Block.Transactions.Count(t => t.Hash == tx.Hash)));
    }

    [Fact]
    public void A_transaction_committed_long_before_is_refused_by_every_mempool_and_in_any_proposal()
    {
        // Dedup horizon 4, watermark window 10: by height 30 the replicas' recent window no longer holds block 1.
        SimCluster cluster = Cluster(replica: new ReplicaOptions { MaxBlockTxs = 1, ViewChangeTimeoutTicks = 20, RetransmitTicks = 5 }, dishonest: 0);
        Transaction old = Transaction.Put("first", "1");
        cluster.Submit(old);
        for (int k = 0; k < 30; k++)
        {
            cluster.Submit(Transaction.Put($"k{k}", "v"), 0);
        }

        Assert.True(cluster.Height(1) > 30);
        List<SubmitStatus> statuses = cluster.Offer([old], 0, 1, 2, 3);
        cluster.Run(Second);
        Assert.Equal(Enumerable.Repeat(SubmitStatus.Duplicate, 4), statuses);

        // A primary that proposes it anyway is refused by the backups, with evidence (the tx index answers for block 1).
        ulong next = cluster.Height(1) + 1;
        StoredBlock tip = cluster.Chain(1)[^1];
        StoredBlock source = cluster.Chain(1)[(int)(next - (ulong)cluster.Genesis.Parameters.PipelineDepth) - 1];
        Transaction[] txs = [old];
        var header = new BlockHeader(cluster.Genesis.ChainId, next, 0, tip.Block.Hash, Block.ComputeTxRoot(txs), source.StateRootAfter, 0, tip.Block.Header.TimestampMs + 1, 1);
        cluster.Deliver(1, Sign(cluster, 0, new PrePrepare(0, 0, next, new Block(header, txs))));

        Evidence evidence = Assert.Single(cluster.Evidence(1));
        Assert.Equal(EvidenceKind.InvalidProposal, evidence.Kind);
        Assert.Contains("already committed", evidence.Description);
        Assert.Equal(1, cluster.Chain(1).Sum(b => b.Block.Transactions.Count(t => t.Hash == old.Hash)));
    }

    [Fact]
    public async Task A_stable_checkpoint_truncates_the_consensus_record_on_disk()
    {
        SimCluster cluster = Cluster(replica: new ReplicaOptions { MaxBlockTxs = 1, ViewChangeTimeoutTicks = 20, RetransmitTicks = 5 });
        for (int k = 0; k < 9; k++)
        {
            cluster.Submit(Transaction.Put($"k{k}", "v"));
        }

        cluster.Run(Second);
        Assert.True(cluster.Height(1) >= 8);
        Assert.True(cluster.Runtime(1)!.Snapshot.StableCheckpoint >= 8);
        IReadOnlyList<ConsensusRecordEntry> record = await cluster.Disk(1).ReadConsensusRecordAsync(default);
        Assert.All(record, e => Assert.True(e.Height >= 8, $"entry at {e.Height} survived the truncation below 8"));
    }

    [Fact]
    public void A_silent_primary_is_replaced_by_a_view_change_and_the_transaction_commits()
    {
        SimCluster cluster = Cluster();
        cluster.Crash(0);
        cluster.Offer([Transaction.Put("k", "v")], 1, 2, 3);
        cluster.Run(TimeSpan.FromMilliseconds(100));
        Assert.All(new[] { 1, 2, 3 }, i => Assert.Equal(0UL, cluster.Height(i)));

        Assert.True(cluster.RunUntil(() => new[] { 1, 2, 3 }.All(i => cluster.Height(i) == 1), 5 * Second));
        Assert.All(new[] { 1, 2, 3 }, i => Assert.Equal(1UL, cluster.Runtime(i)!.Snapshot.View));
    }

    [Fact]
    public void A_block_prepared_before_a_view_change_is_not_lost()
    {
        SimCluster cluster = Cluster();

        // Everyone prepares block 1 in view 0, but no COMMIT gets through; then the primary dies.
        cluster.Network.Filter = (_, _, m) => m is Vote { Kind: MessageType.Commit } ? null : m;
        cluster.Offer([Transaction.Put("k", "prepared")]);
        cluster.Run(TimeSpan.FromMilliseconds(200));
        Hash32 prepared = cluster.Sent(0).OfType<PrePrepare>().First().Block.Hash;
        cluster.Crash(0);
        cluster.Network.Filter = null;

        Assert.True(cluster.RunUntil(() => new[] { 1, 2, 3 }.All(i => cluster.Height(i) == 1), 5 * Second));
        Assert.All(new[] { 1, 2, 3 }, i => Assert.Equal(prepared, cluster.Chain(i)[0].Block.Hash));
    }

    [Fact]
    public void An_equivocating_primary_is_reported_with_both_signed_proposals()
    {
        SimCluster cluster = Cluster(dishonest: 0);
        cluster.Network.Filter = (from, _, m) => from == 0 ? null : m;
        var txs = new[] { Transaction.Put("a", "1") };
        cluster.Offer(txs, 1, 2, 3);
        cluster.Run(TimeSpan.FromMilliseconds(50));
        BlockHeader header = new(cluster.Genesis.ChainId, 1, 0, cluster.Genesis.Hash, Block.ComputeTxRoot(txs), Hash32.Zero, 0, cluster.Genesis.GenesisTimeMs, 1);
        PrePrepare first = Sign(cluster, 0, new PrePrepare(0, 0, 1, new Block(header, txs)));
        PrePrepare second = Sign(cluster, 0, new PrePrepare(0, 0, 1, new Block(header with { TimestampMs = header.TimestampMs + 5 }, txs)));

        cluster.Deliver(1, first);
        cluster.Deliver(1, second);

        Evidence evidence = Assert.Single(cluster.Evidence(1), e => e.Kind == EvidenceKind.EquivocatingProposal);
        Assert.Equal(0, evidence.Validator);
        Assert.NotEqual(((PrePrepare)evidence.First!).Block.Hash, ((PrePrepare)evidence.Second!).Block.Hash);
    }

    [Fact]
    public void A_validator_restarted_from_its_disk_never_votes_for_a_different_block_at_the_same_view_and_height()
    {
        SimCluster cluster = Cluster(dishonest: 0);

        // Validator 1 prepares block A at (view 0, height 1); nothing else gets anywhere.
        cluster.Network.Filter = (_, to, m) => to == 1 ? m : null;
        cluster.Offer([Transaction.Put("k", "A")]);
        cluster.Run(TimeSpan.FromMilliseconds(200));
        Vote prepareA = cluster.Sent(1).OfType<Vote>().First(v => v.Kind == MessageType.Prepare);

        // It crashes and restarts from its disk; then a conflicting proposal for the same view and height arrives.
        cluster.Crash(1);
        cluster.Start(1);
        cluster.Run(TimeSpan.FromMilliseconds(50));
        int before = cluster.Sent(1).Count;
        var txs = new[] { Transaction.Put("k", "B") };
        BlockHeader header = new(cluster.Genesis.ChainId, 1, 0, cluster.Genesis.Hash, Block.ComputeTxRoot(txs), Hash32.Zero, 0, cluster.Genesis.GenesisTimeMs, 1);
        cluster.Deliver(1, Sign(cluster, 0, new PrePrepare(0, 0, 1, new Block(header, txs))));

        Assert.DoesNotContain(cluster.Sent(1).Skip(before).OfType<Vote>(), v => v.Height == 1 && v.View == 0 && v.BlockHash != prepareA.BlockHash);
    }

    [Fact]
    public void Conflicting_votes_from_one_validator_are_reported_as_evidence()
    {
        SimCluster cluster = Cluster(dishonest: 2);
        Vote a = Sign(cluster, 2, new Vote(2, MessageType.Prepare, 0, 1, Hash32.Compute([1])));
        Vote b = Sign(cluster, 2, new Vote(2, MessageType.Prepare, 0, 1, Hash32.Compute([2])));

        cluster.Deliver(3, a);
        cluster.Deliver(3, b);

        Evidence evidence = Assert.Single(cluster.Evidence(3));
        Assert.Equal(EvidenceKind.ConflictingVotes, evidence.Kind);
        Assert.Equal(2, evidence.Validator);
    }

    [Fact]
    public void A_restarted_follower_catches_up_by_sync()
    {
        SimCluster cluster = Cluster();
        cluster.Network.Filter = null;
        cluster.Crash(3);
        cluster.Submit([.. Enumerable.Range(0, 12).Select(k => Transaction.Put($"k{k}", "v"))], 0, 1, 2);

        cluster.Start(3);
        Assert.True(cluster.RunUntil(() => cluster.Height(3) == cluster.Height(0), 3 * Second));
        Assert.Equal(cluster.Chain(0)[^1].StateRootAfter, cluster.Chain(3)[^1].StateRootAfter);
    }

    [Fact]
    public void A_wiped_validator_resyncs_the_whole_chain_under_load_and_nothing_commits_twice()
    {
        SimCluster cluster = Cluster(replica: new ReplicaOptions { MaxBlockTxs = 2, ViewChangeTimeoutTicks = 20, RetransmitTicks = 5 });
        cluster.Submit([.. Enumerable.Range(0, 30).Select(k => Transaction.Put($"a{k}", "v"))]);
        cluster.Crash(2, wipe: true);
        cluster.Submit([.. Enumerable.Range(0, 20).Select(k => Transaction.Put($"b{k}", "v"))], 0, 1, 3);

        cluster.Start(2);
        cluster.Submit([.. Enumerable.Range(0, 20).Select(k => Transaction.Put($"c{k}", "v"))]);
        Assert.True(cluster.RunUntil(() => cluster.Height(2) == cluster.Height(0), 5 * Second));
        Assert.Equal(cluster.Chain(0).Select(b => b.Block.Hash), cluster.Chain(2).Select(b => b.Block.Hash));
        Assert.Equal(70, cluster.Chain(2).SelectMany(b => b.Block.Transactions).Distinct().Count());
        Assert.Equal(70, cluster.Chain(2).Sum(b => b.Block.Transactions.Count));
    }

    [Fact]
    public void A_cluster_restored_from_backups_at_two_heights_commits_again_on_the_same_chain()
    {
        // Window: 2 x 4 + 2 = 10 heights. Node 3 is restored (blocks and state, no consensus record) at one height, the
        // others more than a window higher: before the fix no replica took a proposal or a checkpoint vote above its
        // window again (issue 10).
        SimCluster cluster = Cluster(replica: new ReplicaOptions { MaxBlockTxs = 1, ViewChangeTimeoutTicks = 20, RetransmitTicks = 5 });
        cluster.Submit([.. Enumerable.Range(0, 15).Select(k => Transaction.Put($"a{k}", "v"))]);
        cluster.Crash(3, restore: true);
        cluster.Submit([.. Enumerable.Range(0, 15).Select(k => Transaction.Put($"b{k}", "v"))], 0, 1, 2);
        ulong low = cluster.Height(3), high = cluster.Height(0);
        Assert.True(low > 10 && high > low + 10, $"restored at {low} and {high}: not a window apart");
        for (int i = 0; i < 3; i++)
        {
            cluster.Crash(i, restore: true);
        }

        Hash32[] prefix = [.. cluster.Chain(0).Select(b => b.Block.Hash)];
        for (int i = 0; i < 4; i++)
        {
            cluster.Start(i);
        }

        Transaction[] after = [.. Enumerable.Range(0, 10).Select(k => Transaction.Put($"c{k}", "v"))];
        cluster.Offer(after);
        Assert.True(
            cluster.RunUntil(() => Enumerable.Range(0, 4).All(i => after.All(tx => cluster.Checker.Holds(i, tx.Hash))), 20 * Second),
            $"heights after the restore: {string.Join(", ", Enumerable.Range(0, 4).Select(cluster.Height))} (restored at {low} and {high})");
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(prefix, cluster.Chain(i).Take(prefix.Length).Select(b => b.Block.Hash));
            Assert.True(cluster.Height(i) > high);
        }
    }

    [Fact]
    public async Task A_wiped_validator_replays_a_long_chain_in_pipelined_chunks_refusing_a_lying_peers_and_holds_the_same_chain_and_state()
    {
        // n = 7 (f = 2): node 6 corrupts half its sync answers; node 5 is wiped and replays from genesis (no snapshot) a
        // chain of more than four chunks (one block per transaction), so several requests are out at once, answers come
        // back out of order and some are forged. Load goes on while it catches up.
        _cluster = new SimCluster(new SimClusterOptions
        {
            Replicas = 7,
            Replica = new ReplicaOptions { MaxBlockTxs = 1, ViewChangeTimeoutTicks = 20, RetransmitTicks = 5 },
            Byzantine = new Dictionary<int, ByzantineMode> { [6] = ByzantineMode.ConflictingVotes },
            Log = Environment.GetEnvironmentVariable("SIMLOG") is { } path ? new StreamWriter(path) { AutoFlush = true } : null,
        });
        SimCluster cluster = _cluster;
        cluster.StartAll();
        cluster.Run(TimeSpan.FromMilliseconds(500));
        Transaction[] a = [.. Enumerable.Range(0, 1200).Select(k => Transaction.Put($"a{k % 300}", $"v{k}"))];
        cluster.Submit(a, 0, 1, 2, 3, 4);
        Assert.True(cluster.RunUntil(() => a.All(tx => cluster.Checker.Holds(0, tx.Hash)), 120 * Second), $"the cluster reached only height {cluster.Height(0)}");
        Assert.True(cluster.Height(0) > 4 * (ulong)Aegis.Network.PeerMessage.MaxSyncBlocks, $"a chain of {cluster.Height(0)} blocks is not longer than four chunks");
        // The liar is asked about one chunk per replay and forges half its answers: replay until it was caught (the
        // run is seeded, so this is the same number of replays every time).
        for (int replay = 0; replay < 8 && (replay == 0 || cluster.Checker.SyncRejections == 0); replay++)
        {
            cluster.Crash(5, wipe: true);
            cluster.Start(5);
            Transaction[] b = [.. Enumerable.Range(0, 30).Select(k => Transaction.Put($"b{replay}/{k}", "v"))];
            cluster.Submit(b, 0, 1, 2, 3, 4);
            Assert.True(
                cluster.RunUntil(() => cluster.Height(5) >= cluster.Height(0) && b.All(tx => cluster.Checker.Holds(0, tx.Hash)), 60 * Second),
                $"replay {replay}: node 5 at {cluster.Height(5)}, node 0 at {cluster.Height(0)}");
        }

        Assert.Empty(cluster.Checker.Violations);
        Assert.Equal(0, cluster.Checker.SnapshotInstalls);
        Assert.True(cluster.Checker.SyncRejections > 0, "the lying peer's chunks were never refused (never asked?)");
        IReadOnlyList<StoredBlock> full = cluster.Chain(0);
        IReadOnlyList<StoredBlock> replayed = cluster.Chain(5);
        int common = Math.Min(full.Count, replayed.Count);
        Assert.True(common > 4 * Aegis.Network.PeerMessage.MaxSyncBlocks);
        Assert.Equal(full.Take(common).Select(x => (x.Block.Hash, x.StateRootAfter, x.Certificate.BlockHash)), replayed.Take(common).Select(x => (x.Block.Hash, x.StateRootAfter, x.Certificate.BlockHash)));
        foreach (string key in Enumerable.Range(0, 300).Select(k => $"a{k}"))
        {
            Assert.Equal(Value(cluster, 0, key), Value(cluster, 5, key));
        }
    }

    [Fact]
    public async Task A_wiped_validator_joins_by_snapshot_under_load_and_holds_the_same_state_and_chain_above_its_base()
    {
        // keep_history false: the history below the snapshot is never fetched (the test below backfills it).
        SimCluster cluster = Cluster(SimClusterOptions.SnapshotSyncForSimulation with { KeepHistory = false }, parameters: new SimClusterOptions().Parameters, replica: new ReplicaOptions { MaxBlockTxs = 2, ViewChangeTimeoutTicks = 20, RetransmitTicks = 5 });

        // Fresh nodes ask for snapshots first (none is offered at height 0: they start consensus at genesis).
        cluster.Run(TimeSpan.FromMilliseconds(500));
        Transaction[] a = [.. Enumerable.Range(0, 40).Select(k => Transaction.Put($"a{k}", $"v{k}"))];
        Transaction[] b = [.. Enumerable.Range(0, 20).Select(k => Transaction.Put($"b{k}", "v")), .. Enumerable.Range(0, 10).Select(k => Transaction.Delete($"a{k}"))];
        Transaction[] c = [.. Enumerable.Range(0, 20).Select(k => Transaction.Put($"c{k}", "v"))];
        cluster.Submit(a);
        Assert.True(cluster.RunUntil(() => cluster.Height(0) >= 20, 5 * Second), $"the cluster reached only height {cluster.Height(0)}");
        cluster.Crash(2, wipe: true);
        cluster.Submit(b, 0, 1, 3);

        cluster.Start(2);
        cluster.Submit(c);
        Transaction[] all = [.. a, .. b, .. c];
        Assert.True(
            cluster.RunUntil(() => cluster.Height(2) == cluster.Height(0) && all.All(tx => cluster.Checker.Holds(0, tx.Hash) && cluster.Checker.Holds(2, tx.Hash)), 10 * Second),
            $"node 2 at {cluster.Height(2)}, node 0 at {cluster.Height(0)}; node 2 holds {all.Count(tx => cluster.Checker.Holds(2, tx.Hash))} of {all.Length}");

        Assert.Empty(cluster.Checker.Violations);
        Assert.Equal(1, cluster.Checker.SnapshotInstalls);
        ulong first = await cluster.Disk(2).GetFirstHeightAsync(default);
        Assert.True(first > 1, "node 2 replayed from genesis instead of joining by snapshot");
        IReadOnlyList<StoredBlock> full = cluster.Chain(0);
        IReadOnlyList<StoredBlock> joined = cluster.Chain(2);
        Assert.Equal(full.Where(b => b.Height >= first).Select(b => (b.Block.Hash, b.StateRootAfter)), joined.Select(b => (b.Block.Hash, b.StateRootAfter)));
        Hash32 root = joined[^1].StateRootAfter;
        foreach (string key in Enumerable.Range(0, 40).Select(k => $"a{k}").Concat(Enumerable.Range(0, 20).Select(k => $"b{k}")))
        {
            byte[] k = System.Text.Encoding.UTF8.GetBytes(key);
            Assert.Equal((await cluster.Disk(0).GetAsync(k, default))?.Value, (await cluster.Disk(2).GetAsync(k, default))?.Value);
            Assert.Equal(StateTree.Get(cluster.Disk(0).StateNodes, root, k), StateTree.Get(cluster.Disk(2).StateNodes, root, k));
        }

        // The joined node serves block sync from its first block on, and answers nothing below it.
        Assert.Null(await cluster.Disk(2).GetBlockAsync(first - 1, default));
    }

    [Fact]
    public async Task A_validator_joined_by_snapshot_backfills_the_whole_history_and_tx_index_refusing_a_lying_peers_chunks()
    {
        // n = 7 (f = 2): node 6 corrupts half its sync answers, node 5 is wiped and joins by snapshot; chunks of 1 block
        // so the backfill asks every peer, the liar too.
        _cluster = new SimCluster(new SimClusterOptions
        {
            SnapshotSync = SimClusterOptions.SnapshotSyncForSimulation with { HistoryChunkBlocks = 1 },
            Replicas = 7,
            Replica = new ReplicaOptions { MaxBlockTxs = 2, ViewChangeTimeoutTicks = 20, RetransmitTicks = 5 },
            Byzantine = new Dictionary<int, ByzantineMode> { [6] = ByzantineMode.ConflictingVotes },
            Log = Environment.GetEnvironmentVariable("SIMLOG") is { } path ? new StreamWriter(path) { AutoFlush = true } : null,
        });
        SimCluster cluster = _cluster;
        cluster.StartAll();
        cluster.Run(TimeSpan.FromMilliseconds(500));
        Transaction[] a = [.. Enumerable.Range(0, 100).Select(k => Transaction.Put($"a{k}", $"v{k}"))];
        Transaction[] b = [.. Enumerable.Range(0, 20).Select(k => Transaction.Put($"b{k}", "v"))];
        cluster.Submit(a, 0, 1, 2, 3, 4);
        Assert.True(cluster.RunUntil(() => cluster.Height(0) >= 45, 20 * Second), $"the cluster reached only height {cluster.Height(0)}");
        cluster.Crash(5, wipe: true);
        cluster.Submit(b, 0, 1, 2, 3, 4);
        cluster.Start(5);
        Transaction[] all = [.. a, .. b];
        Assert.True(
            cluster.RunUntil(() => cluster.Height(5) >= cluster.Height(0) && all.All(tx => cluster.Checker.Holds(0, tx.Hash)) && cluster.Disk(5).GetFirstHeightAsync(default).GetAwaiter().GetResult() == 1, 20 * Second),
            $"node 5 at {cluster.Height(5)} from block {await cluster.Disk(5).GetFirstHeightAsync(default)}, node 0 at {cluster.Height(0)}");

        Assert.Empty(cluster.Checker.Violations);
        Assert.Equal(1, cluster.Checker.SnapshotInstalls);
        Assert.True(cluster.Checker.HistoryBackfilled > 0, "node 5 replayed from genesis instead of joining by snapshot and backfilling");
        Assert.True(cluster.Checker.SyncRejections > 0, "the lying peer's chunks were never refused (never asked?)");
        IReadOnlyList<StoredBlock> full = cluster.Chain(0);
        IReadOnlyList<StoredBlock> joined = cluster.Chain(5);
        int common = Math.Min(full.Count, joined.Count);
        Assert.Equal(full.Take(common).Select(x => (x.Block.Hash, x.StateRootAfter, x.Certificate.BlockHash)), joined.Take(common).Select(x => (x.Block.Hash, x.StateRootAfter, x.Certificate.BlockHash)));
        foreach (Transaction tx in all)
        {
            Assert.Equal(await cluster.Disk(0).GetTxAsync(tx.Hash, default), await cluster.Disk(5).GetTxAsync(tx.Hash, default));
        }
    }
}
