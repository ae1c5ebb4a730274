using Aegis.Core.Consensus;
using Aegis.Core.Ledger;
using Aegis.Simulation;
using BenchmarkDotNet.Attributes;

namespace Aegis.Benchmarks;

/// <summary>
/// The replica's step function end to end: four replicas in one process agree on blocks of N transactions
/// (proposal, prepares, commits, execution in memory, every message through the codec and the verifier).
/// </summary>
public class ReplicaStepBenchmarks
{
    private LocalCluster _cluster = null!;
    private int _round;

    [Params(1, 100)]
    public int TxsPerBlock { get; set; }

    [IterationSetup]
    public void Setup()
    {
        _cluster = new LocalCluster(4, new ConsensusParameters { CheckpointInterval = 64, PipelineDepth = 4 }, new ReplicaOptions { MaxBlockTxs = TxsPerBlock });
    }

    [Benchmark(Description = "commit one block on 4 replicas")]
    public void CommitOneBlock()
    {
        int round = Interlocked.Increment(ref _round);
        for (int i = 0; i < _cluster.Replicas.Length; i++)
        {
            _cluster.Handle(i, _cluster.Replicas[i].SubmitTransactions([.. Enumerable.Range(0, TxsPerBlock).Select(k => Transaction.Put($"r{round}-{k}", "v"))]));
        }

        _cluster.Drain();
    }
}
