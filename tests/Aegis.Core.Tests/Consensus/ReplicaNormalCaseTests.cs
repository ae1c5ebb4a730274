using Aegis.Core.Consensus;
using Aegis.Core.Consensus.Messages;
using Aegis.Core.Ledger;

using Aegis.Simulation;

namespace Aegis.Core.Tests.Consensus;

/// <summary>Protocol traces of the normal case: propose, prepare, commit, execute in order.</summary>
public class ReplicaNormalCaseTests
{
    [Fact]
    public void A_transaction_submitted_to_all_replicas_commits_at_height_1_everywhere_with_a_quorum_certificate()
    {
        var cluster = new LocalCluster(4);
        Transaction tx = Transaction.Put("color", "blue");

        cluster.Submit(tx);

        for (int i = 0; i < 4; i++)
        {
            CommitBlock commit = Assert.Single(cluster.OutputsOf<CommitBlock>(i));
            Assert.Equal(1UL, commit.Block.Height);
            Assert.Equal(tx.Hash, Assert.Single(commit.Block.Transactions).Hash);
            Assert.Equal(cluster.Genesis.Hash, commit.Block.Header.PreviousHash);
            Assert.Null(commit.Certificate.Verify(cluster.Genesis.Validators, cluster.Genesis.ChainId, commit.Block));
            Assert.Equal("blue", cluster.Storage[i].State["color"]);
        }
    }

    [Fact]
    public void Every_replica_commits_the_same_chain_of_blocks()
    {
        var cluster = new LocalCluster(4);
        for (int k = 0; k < 20; k++)
        {
            cluster.Submit(Transaction.Put($"k{k}", $"v{k}"));
        }

        Assert.All(cluster.Storage, s => Assert.Equal(cluster.Storage[0].Chain.Select(c => c.Block.Hash), s.Chain.Select(c => c.Block.Hash)));
        Assert.All(cluster.Storage, s => Assert.Equal(cluster.Storage[0].StateRoot, s.StateRoot));
        Assert.Equal(20, cluster.Storage[0].Chain.Sum(c => c.Block.Transactions.Count));
    }

    [Fact]
    public void A_single_validator_commits_alone()
    {
        var cluster = new LocalCluster(1);
        cluster.Submit(Transaction.Put("a", "1"));
        cluster.Submit(Transaction.Delete("a"));

        Assert.Equal(2UL, cluster.Storage[0].Height);
        Assert.False(cluster.Storage[0].State.ContainsKey("a"));
    }

    [Fact]
    public void The_primary_pipelines_up_to_the_pipeline_depth_before_anything_commits()
    {
        var cluster = new LocalCluster(4, options: new ReplicaOptions { MaxBlockTxs = 1 });

        // Hold back every PREPARE so nothing can commit, then offer the primary five transactions.
        cluster.Filter = (_, _, m) => m is Vote ? null : m;
        for (int k = 0; k < 5; k++)
        {
            cluster.Submit(Transaction.Put($"k{k}", "v"), 0);
        }

        ulong[] proposed = [.. cluster.OutputsOf<Broadcast>(0).Select(b => b.Message).OfType<PrePrepare>().Select(p => p.Height)];
        Assert.Equal([1UL, 2UL], proposed);
        Assert.Empty(cluster.OutputsOf<CommitBlock>(0));
    }

    [Fact]
    public void With_one_block_in_flight_the_primary_waits_for_its_commit_and_then_batches_what_arrived_meanwhile()
    {
        var cluster = new LocalCluster(4, new ConsensusParameters { CheckpointInterval = 4, PipelineDepth = 8 }, new ReplicaOptions { MaxBlocksInFlight = 1 });

        // Nothing can commit while votes are held back: the primary proposes height 1 only, though the pipeline has room.
        cluster.Filter = (_, _, m) => m is Vote ? null : m;
        for (int k = 0; k < 5; k++)
        {
            cluster.Submit(Transaction.Put($"k{k}", "v"), 0);
        }

        PrePrepare[] proposed = [.. cluster.OutputsOf<Broadcast>(0).Select(b => b.Message).OfType<PrePrepare>()];
        Assert.Equal([1UL], proposed.Select(p => p.Height));
        Assert.Single(proposed[0].Block.Transactions);

        // Once height 1 commits, the four transactions that waited go out together in height 2.
        cluster.Filter = (_, _, m) => m;
        cluster.Tick(40);
        Assert.All(cluster.Storage, s => Assert.Equal(2UL, s.Height));
        Assert.Equal(4, cluster.Storage[0].Chain[1].Block.Transactions.Count);
    }

    [Fact]
    public void A_duplicate_submission_is_committed_once()
    {
        var cluster = new LocalCluster(4);
        Transaction tx = Transaction.Put("k", "v", clientId: "req-1");
        cluster.Submit(tx);
        cluster.Submit(Transaction.Put("k", "v", clientId: "req-1"));
        cluster.Tick(50);

        Assert.Equal(1, cluster.Storage[0].Chain.Sum(c => c.Block.Transactions.Count(t => t.Hash == tx.Hash)));
    }

    [Fact]
    public void A_stable_checkpoint_truncates_the_consensus_record()
    {
        var cluster = new LocalCluster(4, options: new ReplicaOptions { MaxBlockTxs = 1 });
        for (int k = 0; k < 9; k++)
        {
            cluster.Submit(Transaction.Put($"k{k}", "v"));
        }

        Assert.True(cluster.Storage[1].Height >= 8);
        Assert.Contains(cluster.OutputsOf<TruncateRecord>(1), t => t.BelowHeight == 8);
        Assert.Equal(8UL, cluster.Replicas[1].Status.StableCheckpoint);
    }
}
