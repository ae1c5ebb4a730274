using Aegis.Core.Consensus;
using Aegis.Core.Crypto;
using Aegis.Core.Ledger;

namespace Aegis.Simulation;

/// <summary>
/// A tiny synchronous network for protocol-trace tests and replica micro-benchmarks: messages are delivered in send order, a filter can drop or
/// rewrite any of them, and every replica's outputs are kept for assertions.
/// </summary>
public sealed class LocalCluster
{
    private readonly Queue<(int From, int To, Aegis.Core.Consensus.Messages.ConsensusMessage Message)> _inFlight = new();

    public LocalCluster(int n, ConsensusParameters? parameters = null, ReplicaOptions? options = null)
    {
        Signers = SimKeys.For(n);
        var validators = new ValidatorSet([.. Signers.Select((s, i) => new Validator((ushort)i, $"node-{i}", s.PublicKey, $"127.0.0.1:{26600 + (10 * i)}"))]);
        Genesis = new Genesis("test-chain", 1_700_000_000_000, validators, parameters ?? new ConsensusParameters { CheckpointInterval = 4, PipelineDepth = 2 });
        Options = options ?? new ReplicaOptions { ViewChangeTimeoutTicks = 20, RetransmitTicks = 5 };
        Verifier = new MessageVerifier(Genesis);
        Replicas = [.. Signers.Select(s => new Replica(Genesis, s, Options))];
        Storage = [.. Signers.Select(_ => new SimStorage())];
        Outputs = [.. Signers.Select(_ => new List<ReplicaOutput>())];
    }

    public ISigner[] Signers { get; }

    public Genesis Genesis { get; }

    public ReplicaOptions Options { get; }

    public MessageVerifier Verifier { get; }

    public Replica[] Replicas { get; }

    public SimStorage[] Storage { get; }

    public List<ReplicaOutput>[] Outputs { get; }

    public HashSet<int> Down { get; } = [];

    /// <summary>Return null to drop a message; return another message to tamper with it.</summary>
    public Func<int, int, Aegis.Core.Consensus.Messages.ConsensusMessage, Aegis.Core.Consensus.Messages.ConsensusMessage?> Filter { get; set; } = (_, _, m) => m;

    public long Now { get; private set; }

    public void Submit(Transaction tx, params int[] to)
    {
        foreach (int i in to.Length == 0 ? Enumerable.Range(0, Replicas.Length) : to)
        {
            Handle(i, Replicas[i].SubmitTransactions([tx]));
        }

        Drain();
    }

    public void Tick(int times = 1)
    {
        for (int t = 0; t < times; t++)
        {
            Now += 10;
            for (int i = 0; i < Replicas.Length; i++)
            {
                if (!Down.Contains(i))
                {
                    Handle(i, Replicas[i].Tick(Now));
                }
            }

            Drain();
        }
    }

    /// <summary>Rebuilds a replica from its storage and record, as a process restart would.</summary>
    public void Restart(int i)
    {
        Replicas[i] = new Replica(Genesis, Signers[i], Options, Storage[i].Position(Genesis));
        Replicas[i].Restore(Storage[i].ReadRecord());
        Down.Remove(i);
    }

    public void Deliver(int to, Aegis.Core.Consensus.Messages.ConsensusMessage message)
    {
        VerifiedMessage? verified = Verifier.Verify(message, out string? error);
        if (verified is null)
        {
            throw new InvalidOperationException(error);
        }

        Handle(to, Replicas[to].Receive(verified));
        Drain();
    }

    public void Handle(int node, IReadOnlyList<ReplicaOutput> outputs)
    {
        var work = new Queue<ReplicaOutput>(outputs);
        while (work.TryDequeue(out ReplicaOutput? output))
        {
            Outputs[node].Add(output);
            switch (output)
            {
                case Send s:
                    _inFlight.Enqueue((node, s.To, s.Message));
                    break;
                case Broadcast b:
                    for (int j = 0; j < Replicas.Length; j++)
                    {
                        if (j != node)
                        {
                            _inFlight.Enqueue((node, j, b.Message));
                        }
                    }

                    break;
                case PersistRecord p:
                    Storage[node].AppendRecord(p.Entry);
                    break;
                case TruncateRecord t:
                    Storage[node].TruncateRecord(t.BelowHeight);
                    break;
                case CommitBlock c:
                    Hash32 root = Storage[node].Commit(c.Block, c.Certificate);
                    foreach (ReplicaOutput more in Replicas[node].Executed(c.Block.Height, root))
                    {
                        work.Enqueue(more);
                    }

                    break;
                case RequestSync r:
                    foreach ((Block block, CommitCertificate cert, _) in Storage[r.Peer].Chain.Skip((int)r.FromHeight - 1))
                    {
                        foreach (ReplicaOutput more in Replicas[node].SyncedBlock(block, cert))
                        {
                            work.Enqueue(more);
                        }
                    }

                    break;
            }
        }
    }

    public void Drain()
    {
        while (_inFlight.TryDequeue(out var item))
        {
            if (Down.Contains(item.To) || Down.Contains(item.From))
            {
                continue;
            }

            Aegis.Core.Consensus.Messages.ConsensusMessage? m = Filter(item.From, item.To, item.Message);
            if (m is null)
            {
                continue;
            }

            // Every hop goes through the codec, as on a real wire.
            m = Aegis.Core.Consensus.Messages.ConsensusMessage.FromBytes(m.ToBytes());
            VerifiedMessage? verified = Verifier.Verify(m, out _);
            if (verified is not null)
            {
                Handle(item.To, Replicas[item.To].Receive(verified));
            }
        }
    }

    public IEnumerable<T> OutputsOf<T>(int node) => Outputs[node].OfType<T>();
}
