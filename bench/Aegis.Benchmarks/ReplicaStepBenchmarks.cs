using Aegis.Core.Consensus;
using Aegis.Core.Ledger;
using Aegis.Simulation;
using BenchmarkDotNet.Attributes;

namespace Aegis.Benchmarks;

/// <summary>
/// One height end to end through the production host: four nodes in one process (the simulator's cluster, on
/// in-memory disks with a 0.2 ms simulated fsync and instant links) agree on a block of N transactions — proposal,
/// prepares, commits, execution, the writer's group commit, every message through the codec and the verifier.
/// </summary>
public class ReplicaStepBenchmarks
{
    private SimCluster _cluster = null!;
    private Transaction[] _txs = [];

    [Params(1, 100)]
    public int TxsPerBlock { get; set; }

    /// <summary>One unmeasured round first: a change that stopped the round from committing must not pass for a speed-up.</summary>
    [GlobalSetup]
    public void CheckThatOneRoundCommits()
    {
        Setup();
        CommitOneBlock();
        ulong[] heights = [.. Enumerable.Range(0, 4).Select(_cluster.Height)];
        if (heights.Any(h => h != 1))
        {
            throw new InvalidOperationException($"one round left heights {string.Join(", ", heights)}, expected 1 on every node");
        }

        Cleanup();
    }

    /// <remarks>[IterationSetup] makes BenchmarkDotNet run one invocation per iteration, so every measured commit is the first block of a fresh cluster.</remarks>
    [IterationSetup]
    public void Setup()
    {
        _cluster = new SimCluster(new SimClusterOptions
        {
            Parameters = new ConsensusParameters { CheckpointInterval = 64, PipelineDepth = 4 },
            Replica = new ReplicaOptions { MaxBlockTxs = TxsPerBlock },
        });
        _cluster.StartAll();
        _txs = [.. Enumerable.Range(0, TxsPerBlock).Select(k => Transaction.Put($"k{k}", "v"))];
    }

    [IterationCleanup]
    public void Cleanup() => _cluster.Dispose();

    [Benchmark(Description = "commit one block on 4 nodes (production host, simulated disks and links)")]
    public void CommitOneBlock() => _cluster.Submit(_txs);
}
