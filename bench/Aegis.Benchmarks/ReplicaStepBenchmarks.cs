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
    private Transaction[][] _txs = [];

    [Params(1, 100)]
    public int TxsPerBlock { get; set; }

    /// <summary>One unmeasured round first: a change that stopped the round from committing must not pass for a speed-up.</summary>
    [GlobalSetup]
    public void CheckThatOneRoundCommits()
    {
        Setup();
        CommitOneBlock();
        if (_cluster.Replicas.Any(r => r.CommittedHeight != 1))
        {
            throw new InvalidOperationException($"one round left committed heights {string.Join(", ", _cluster.Replicas.Select(r => r.CommittedHeight))}, expected 1 on every replica");
        }
    }

    /// <remarks>
    /// [IterationSetup] makes BenchmarkDotNet run one invocation per iteration, so every measured commit is the first block
    /// of a fresh cluster. Each replica gets its own transaction objects, as it would after decoding them off the wire.
    /// </remarks>
    [IterationSetup]
    public void Setup()
    {
        _cluster = new LocalCluster(4, new ConsensusParameters { CheckpointInterval = 64, PipelineDepth = 4 }, new ReplicaOptions { MaxBlockTxs = TxsPerBlock });
        _txs = [.. _cluster.Replicas.Select(_ => Enumerable.Range(0, TxsPerBlock).Select(k => Transaction.Put($"k{k}", "v")).ToArray())];
    }

    [Benchmark(Description = "commit one block on 4 replicas")]
    public void CommitOneBlock()
    {
        for (int i = 0; i < _cluster.Replicas.Length; i++)
        {
            _cluster.Handle(i, _cluster.Replicas[i].SubmitTransactions(_txs[i]));
        }

        _cluster.Drain();
    }
}
