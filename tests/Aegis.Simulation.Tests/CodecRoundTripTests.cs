using Aegis.Core.Consensus;
using Aegis.Core.Consensus.Messages;
using Aegis.Core.Ledger;
using Aegis.Storage;

namespace Aegis.Simulation.Tests;

/// <summary>Whatever the production host really sends and writes comes back from the codec byte for byte.</summary>
public class CodecRoundTripTests
{
    [Fact]
    public void Every_consensus_message_and_record_entry_a_cluster_produces_round_trips_byte_for_byte()
    {
        var record = new List<ConsensusRecordEntry>();
        using var cluster = new SimCluster(new SimClusterOptions
        {
            Parameters = new ConsensusParameters { CheckpointInterval = 4, PipelineDepth = 2, DedupHorizonBlocks = 4 },
            Replica = new ReplicaOptions { MaxBlockTxs = 1, ViewChangeTimeoutTicks = 20, RetransmitTicks = 5 },
            KeepSent = true,
        });
        cluster.OnDurable = (_, group) => record.AddRange(group.Record);
        cluster.StartAll();
        cluster.Crash(0);
        cluster.Submit(Transaction.Put("k", "v"), 1, 2, 3);
        cluster.Start(0);
        cluster.Submit([.. Enumerable.Range(0, 6).Select(k => Transaction.Put($"k{k}", "v"))]);
        cluster.Run(TimeSpan.FromSeconds(1));

        ConsensusMessage[] messages = [.. Enumerable.Range(0, 4).SelectMany(cluster.Sent)];
        Assert.Equal(Enum.GetValues<MessageType>().Order(), messages.Select(m => m.Type).Distinct().Order());
        foreach (ConsensusMessage m in messages)
        {
            byte[] bytes = m.ToBytes();
            Assert.Equal(bytes, ConsensusMessage.FromBytes(bytes).ToBytes());
        }

        RecordEntry[] entries = [.. record.Select(e => RecordEntry.FromBytes(e.Data))];
        Assert.Contains(entries, e => e.Kind == RecordKind.ViewChangeStarted);
        Assert.Contains(entries, e => e.Kind == RecordKind.NewViewInstalled);
        Assert.Contains(entries, e => e.Kind == RecordKind.ViewState);
        foreach (ConsensusRecordEntry e in record)
        {
            Assert.Equal(e.Data, RecordEntry.FromBytes(e.Data).ToBytes());
        }

        Assert.Empty(cluster.Checker.Violations);
    }
}
