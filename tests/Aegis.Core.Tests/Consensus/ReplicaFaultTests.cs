using Aegis.Core.Consensus;
using Aegis.Core.Consensus.Messages;
using Aegis.Core.Crypto;
using Aegis.Core.Ledger;

using Aegis.Simulation;

namespace Aegis.Core.Tests.Consensus;

/// <summary>Protocol traces with a faulty primary, lying replicas and crashes.</summary>
public class ReplicaFaultTests
{
    [Fact]
    public void A_silent_primary_is_replaced_by_a_view_change_and_the_transaction_commits()
    {
        var cluster = new LocalCluster(4);
        cluster.Down.Add(0);
        cluster.Submit(Transaction.Put("k", "v"), 1, 2, 3);
        Assert.All(new[] { 1, 2, 3 }, i => Assert.Equal(0UL, cluster.Storage[i].Height));

        cluster.Tick(60);

        Assert.All(new[] { 1, 2, 3 }, i =>
        {
            Assert.Equal(1UL, cluster.Storage[i].Height);
            Assert.Equal(1UL, cluster.Replicas[i].View);
            Assert.Contains(cluster.OutputsOf<ViewChanged>(i), v => v.View == 1 && v.Primary == 1);
        });
    }

    [Fact]
    public void A_block_prepared_before_a_view_change_is_not_lost()
    {
        var cluster = new LocalCluster(4);

        // Everyone prepares block 1 in view 0, but no COMMIT gets through; then the primary dies.
        cluster.Filter = (_, _, m) => m is Vote { Kind: MessageType.Commit } ? null : m;
        cluster.Submit(Transaction.Put("k", "prepared"));
        Hash32 prepared = cluster.OutputsOf<Broadcast>(0).Select(b => b.Message).OfType<PrePrepare>().Single().Block.Hash;
        cluster.Down.Add(0);
        cluster.Filter = (_, _, m) => m;

        cluster.Tick(80);

        Assert.All(new[] { 1, 2, 3 }, i => Assert.Equal(prepared, cluster.Storage[i].Chain[0].Block.Hash));
    }

    [Fact]
    public void An_equivocating_primary_is_reported_with_both_signed_proposals()
    {
        var cluster = new LocalCluster(4);
        cluster.Submit(Transaction.Put("a", "1"), 1, 2, 3);
        var txs = new[] { Transaction.Put("a", "1") };
        BlockHeader header = new(cluster.Genesis.ChainId, 1, 0, cluster.Genesis.Hash, Block.ComputeTxRoot(txs), Hash32.Zero, 0, cluster.Genesis.GenesisTimeMs, 1);
        PrePrepare first = Sign(cluster, 0, new PrePrepare(0, 0, 1, new Block(header, txs)));
        PrePrepare second = Sign(cluster, 0, new PrePrepare(0, 0, 1, new Block(header with { TimestampMs = header.TimestampMs + 5 }, txs)));

        cluster.Deliver(1, first);
        cluster.Deliver(1, second);

        EvidenceFound evidence = Assert.Single(cluster.OutputsOf<EvidenceFound>(1));
        Assert.Equal(EvidenceKind.EquivocatingProposal, evidence.Evidence.Kind);
        Assert.Equal(0, evidence.Evidence.Validator);
        Assert.NotEqual(((PrePrepare)evidence.Evidence.First!).Block.Hash, ((PrePrepare)evidence.Evidence.Second!).Block.Hash);
    }

    [Fact]
    public void A_replica_rebuilt_from_its_record_never_votes_for_a_different_block_at_the_same_view_and_height()
    {
        var cluster = new LocalCluster(4);

        // Replica 1 prepares block A at (view 0, height 1); nothing commits.
        cluster.Filter = (_, to, m) => to == 1 ? m : null;
        cluster.Submit(Transaction.Put("k", "A"));
        Vote prepareA = cluster.OutputsOf<Broadcast>(1).Select(b => b.Message).OfType<Vote>().Single(v => v.Kind == MessageType.Prepare);

        // It crashes and restarts from storage; then a conflicting proposal for the same view and height arrives.
        cluster.Restart(1);
        cluster.Outputs[1].Clear();
        var txs = new[] { Transaction.Put("k", "B") };
        BlockHeader header = new(cluster.Genesis.ChainId, 1, 0, cluster.Genesis.Hash, Block.ComputeTxRoot(txs), Hash32.Zero, 0, cluster.Genesis.GenesisTimeMs, 1);
        cluster.Deliver(1, Sign(cluster, 0, new PrePrepare(0, 0, 1, new Block(header, txs))));

        Assert.DoesNotContain(cluster.OutputsOf<Broadcast>(1).Select(b => b.Message).OfType<Vote>(), v => v.Height == 1 && v.View == 0 && v.BlockHash != prepareA.BlockHash);
    }

    [Fact]
    public void Conflicting_votes_from_one_validator_are_reported_as_evidence()
    {
        var cluster = new LocalCluster(4);
        Vote a = Sign(cluster, 2, new Vote(2, MessageType.Prepare, 0, 1, Hash32.Compute([1])));
        Vote b = Sign(cluster, 2, new Vote(2, MessageType.Prepare, 0, 1, Hash32.Compute([2])));

        cluster.Deliver(3, a);
        cluster.Deliver(3, b);

        EvidenceFound evidence = Assert.Single(cluster.OutputsOf<EvidenceFound>(3));
        Assert.Equal(EvidenceKind.ConflictingVotes, evidence.Evidence.Kind);
        Assert.Equal(2, evidence.Evidence.Validator);
    }

    [Fact]
    public void A_restarted_follower_catches_up_by_sync()
    {
        var cluster = new LocalCluster(4);
        cluster.Down.Add(3);
        for (int k = 0; k < 6; k++)
        {
            cluster.Submit(Transaction.Put($"k{k}", "v"), 0, 1, 2);
        }

        cluster.Restart(3);
        cluster.Tick(30);

        Assert.Equal(cluster.Storage[0].Height, cluster.Storage[3].Height);
        Assert.Equal(cluster.Storage[0].StateRoot, cluster.Storage[3].StateRoot);
    }

    private static T Sign<T>(LocalCluster cluster, int signer, T message)
        where T : ConsensusMessage
    {
        var signature = new byte[Signature.Size];
        cluster.Signers[signer].Sign(message.SignedBytes(cluster.Genesis.ChainId), signature);
        return message with { Signature = signature };
    }
}
