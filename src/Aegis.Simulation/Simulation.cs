using System.Security.Cryptography;
using Aegis.Core.Consensus;
using Aegis.Core.Consensus.Messages;
using Aegis.Core.Crypto;
using Aegis.Core.Encoding;
using Aegis.Core.Ledger;

namespace Aegis.Simulation;

/// <summary>
/// Runs n real <see cref="Replica"/> instances in one process on a simulated network driven by one seed. Every
/// message crosses the network as bytes (so the codec is exercised on every hop), every fault is drawn from the seed,
/// and the <see cref="InvariantChecker"/> looks at every commit and every evidence report as it happens.
/// </summary>
public sealed partial class Simulation
{
    private const int ClientResendTicks = 60;
    private const int SyncChunk = 16;

    private readonly ulong _seed;
    private readonly SimulationOptions _options;
    private readonly SimRandom _rng;
    private readonly SimRandom _faultRng;
    private readonly Genesis _genesis;
    private readonly ISigner[] _signers;
    private readonly MessageVerifier _verifier;
    private readonly ReplicaOptions _replicaOptions;
    private readonly SimNode[] _nodes;
    private readonly PriorityQueue<Envelope, (long Tick, long Seq)> _network = new();
    private readonly Dictionary<Hash32, VerifiedMessage?> _verified = [];
    private readonly InvariantChecker _checker;
    private readonly IncrementalHash _trace = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly List<ClientTx> _clients = [];

    private long _seq;
    private long _tick;
    private int[]? _partition;
    private long _partitionEnds;
    private long _delivered;
    private long _dropped;
    private long _rejected;
    private int _crashes;
    private int _partitions;

    public Simulation(ulong seed, SimulationOptions options)
    {
        _seed = seed;
        _options = options;
        _rng = new SimRandom(seed);
        _faultRng = _rng.Fork();
        _signers = SimKeys.For(options.Replicas);
        var validators = new ValidatorSet([.. _signers.Select((s, i) => new Validator((ushort)i, $"node-{i}", s.PublicKey, $"sim:{i}"))]);
        _genesis = new Genesis("aegis-sim", 1_700_000_000_000, validators, new ConsensusParameters { CheckpointInterval = options.CheckpointInterval, PipelineDepth = options.PipelineDepth });
        _verifier = new MessageVerifier(_genesis);
        _replicaOptions = new ReplicaOptions
        {
            MaxBlockTxs = 8,
            ViewChangeTimeoutTicks = 40,
            RetransmitTicks = 10,
            UnsafeQuorumOverride = options.UnsafeQuorumOverride,
        };

        var byzantine = new HashSet<int>();
        if (options.Faults.HasFlag(FaultKinds.Byzantine))
        {
            while (byzantine.Count < validators.Quorum.F)
            {
                byzantine.Add(_rng.Next(options.Replicas));
            }
        }

        _nodes = new SimNode[options.Replicas];
        for (int i = 0; i < _nodes.Length; i++)
        {
            ByzantineMode? mode = byzantine.Contains(i) ? (ByzantineMode)_rng.Next(Enum.GetValues<ByzantineMode>().Length) : null;
            _nodes[i] = new SimNode(i, mode, _rng.Fork());
            _nodes[i].Replica = new Replica(_genesis, _signers[i], _replicaOptions);
        }

        _checker = new InvariantChecker(_genesis, _nodes.Select(n => n.IsHonest).ToArray());
        for (int i = 0; i < options.Transactions; i++)
        {
            var tx = Transaction.Put($"key-{_rng.Next(options.Transactions)}", $"value-{seed}-{i}", clientId: $"client-{i}");
            _clients.Add(new ClientTx(tx, _rng.Next(Math.Max(1, options.FaultTicks))));
            _checker.Submitted.Add(tx.Hash);
        }
    }

    public SimulationResult Run()
    {
        long end = _options.FaultTicks + _options.LivenessTicks;
        bool done = false;
        for (_tick = 0; _tick < end && !done; _tick++)
        {
            bool faulty = _tick < _options.FaultTicks;
            if (faulty)
            {
                ScheduleFaults();
            }
            else if (_tick == _options.FaultTicks)
            {
                Heal();
            }

            SubmitClientTransactions();
            DeliverDue();
            foreach (SimNode node in _nodes)
            {
                if (!node.Crashed)
                {
                    Handle(node, node.Replica!.Tick(_tick * 10));
                    ByzantineExtras(node);
                }
            }

            done = !faulty && _checker.AllCommittedEverywhere();
        }

        foreach (SimNode node in _nodes)
        {
            if (node.Replica is { } r)
            {
                Log(node.Index, $"final {r.Status} mempool {r.Mempool.PendingCount}+{r.Mempool.InFlightCount} byzantine={node.Byzantine?.ToString() ?? "no"}");
            }
        }

        if (!done)
        {
            _checker.Violations.Add(_checker.LivenessReport(_nodes.Where(n => n.IsHonest).Select(n => n.Storage), _tick));
        }

        ulong height = _nodes.Where(n => n.IsHonest).Select(n => n.Storage.Height).DefaultIfEmpty(0UL).Max();
        return new SimulationResult(
            _seed,
            _options,
            _checker.Violations,
            (int)_tick,
            _clients.Count,
            _checker.CommittedTxCount,
            height,
            _delivered,
            _dropped,
            _rejected,
            _nodes.Where(n => n.IsHonest).Select(n => (int)n.Replica!.Status.ViewChanges).DefaultIfEmpty(0).Max(),
            _crashes,
            _partitions,
            _checker.EvidenceReports,
            Convert.ToHexStringLower(_trace.GetHashAndReset()));
    }

    private void SubmitClientTransactions()
    {
        foreach (ClientTx c in _clients)
        {
            if (c.SubmitTick > _tick || c.Acknowledged)
            {
                continue;
            }

            if (c.SubmitTick == _tick || (_tick - c.SubmitTick) % ClientResendTicks == 0)
            {
                if (_checker.CommittedOnWeakQuorum(c.Tx.Hash))
                {
                    // f+1 replicas would have answered the client: it stops resending.
                    c.Acknowledged = true;
                    continue;
                }

                foreach (SimNode node in _nodes)
                {
                    Enqueue(new Envelope(-1, node.Index, null, c.Tx, null), ClientLinkDelay());
                }
            }
        }
    }

    private long ClientLinkDelay()
    {
        if (_tick < _options.FaultTicks && _options.Faults.HasFlag(FaultKinds.Loss) && _faultRng.Chance(_options.LossRate * 2))
        {
            return -1;
        }

        return 1 + _faultRng.Next(3);
    }

    private void DeliverDue()
    {
        while (_network.TryPeek(out Envelope? envelope, out (long Tick, long Seq) when) && when.Tick <= _tick)
        {
            _network.Dequeue();
            SimNode node = _nodes[envelope.To];
            if (node.Crashed)
            {
                _dropped++;
                continue;
            }

            _delivered++;
            if (envelope.Tx is not null)
            {
                Handle(node, node.Replica!.SubmitTransactions([envelope.Tx]));
            }
            else if (envelope.Sync is not null)
            {
                foreach ((Block block, CommitCertificate certificate) in envelope.Sync)
                {
                    Handle(node, node.Replica!.SyncedBlock(block, certificate));
                }
            }
            else
            {
                DeliverMessage(node, envelope.Payload!);
            }
        }
    }

    private void DeliverMessage(SimNode node, byte[] payload)
    {
        if (node.IsByzantine)
        {
            node.Seen.Add(payload);
            if (node.Seen.Count > 512)
            {
                node.Seen.RemoveAt(node.Rng.Next(node.Seen.Count));
            }
        }

        Hash32 key = Hash32.Compute(payload);
        if (!_verified.TryGetValue(key, out VerifiedMessage? verified))
        {
            try
            {
                verified = _verifier.Verify(ConsensusMessage.FromBytes(payload), out _);
            }
            catch (CodecException)
            {
                verified = null;
            }

            _verified[key] = verified;
        }

        if (verified is null)
        {
            _rejected++;
            return;
        }

        Handle(node, node.Replica!.Receive(verified));
    }

    private void Handle(SimNode node, IReadOnlyList<ReplicaOutput> outputs)
    {
        var work = new Queue<ReplicaOutput>(outputs);
        while (work.TryDequeue(out ReplicaOutput? output))
        {
            switch (output)
            {
                case Send s:
                    Transmit(node, s.To, s.Message);
                    break;
                case Broadcast b:
                    foreach (SimNode other in _nodes)
                    {
                        if (other.Index != node.Index)
                        {
                            Transmit(node, other.Index, b.Message);
                        }
                    }

                    break;
                case PersistRecord p:
                    node.Storage.AppendRecord(p.Entry);
                    break;
                case TruncateRecord t:
                    node.Storage.TruncateRecord(t.BelowHeight);
                    break;
                case CommitBlock c:
                    _checker.OnCommit(node.Index, node.Storage, c.Block, c.Certificate);
                    Hash32 root = node.Storage.Commit(c.Block, c.Certificate);
                    _checker.OnExecuted(node.Index, c.Block.Height, root);
                    TraceEvent(node.Index, 1, c.Block.Height, c.Block.Hash);
                    Log(node.Index, $"commit {c.Block.Height} {c.Block.Hash.ToShortString()} view {c.Certificate.View} txs {c.Block.Transactions.Count}");
                    foreach (ReplicaOutput more in node.Replica!.Executed(c.Block.Height, root))
                    {
                        work.Enqueue(more);
                    }

                    break;
                case ViewChanged v:
                    TraceEvent(node.Index, 2, v.View, default);
                    Log(node.Index, $"installed view {v.View} (primary {v.Primary})");
                    break;
                case ReplicaTrace t:
                    Log(node.Index, t.Message);
                    break;
                case RequestSync r:
                    ServeSync(node.Index, r.Peer, r.FromHeight);
                    break;
                case EvidenceFound e:
                    Log(node.Index, $"evidence {e.Evidence.Kind} against {e.Evidence.Validator}: {e.Evidence.Description}");
                    _checker.OnEvidence(node.Index, e.Evidence);
                    break;
            }
        }
    }

    private void Transmit(SimNode from, int to, ConsensusMessage message)
    {
        if (from.IsByzantine)
        {
            ByzantineTransmit(from, to, message);
            return;
        }

        Send(from.Index, to, message.ToBytes());
    }

    /// <summary>Puts bytes on the simulated wire, applying the seed's loss, delay, duplication, reordering and partitions.</summary>
    private void Send(int from, int to, byte[] payload)
    {
        long delay = LinkDelay(from, to);
        if (delay < 0)
        {
            _dropped++;
            return;
        }

        Enqueue(new Envelope(from, to, payload, null, null), delay);
        if (_tick < _options.FaultTicks && _options.Faults.HasFlag(FaultKinds.Duplicate) && _faultRng.Chance(_options.DuplicateRate))
        {
            Enqueue(new Envelope(from, to, payload, null, null), 1 + _faultRng.Next(_options.MaxDelayTicks * 2));
        }
    }

    private long LinkDelay(int from, int to)
    {
        if (_tick >= _options.FaultTicks)
        {
            return 1;
        }

        FaultKinds f = _options.Faults;
        if (_partition is not null && _partition[from] != _partition[to])
        {
            return -1;
        }

        if (f.HasFlag(FaultKinds.Loss) && _faultRng.Chance(_options.LossRate))
        {
            return -1;
        }

        long delay = f.HasFlag(FaultKinds.Delay) ? 1 + _faultRng.Next(_options.MaxDelayTicks) : 1;
        if (f.HasFlag(FaultKinds.Reorder) && _faultRng.Chance(0.1))
        {
            delay += _faultRng.Next(3 * _options.MaxDelayTicks);
        }

        return delay;
    }

    private void Enqueue(Envelope envelope, long delay)
    {
        if (delay < 0)
        {
            _dropped++;
            return;
        }

        _network.Enqueue(envelope, (_tick + delay, _seq++));
    }

    /// <summary>State sync: the peer answers from its durable chain (a Byzantine peer may corrupt the answer).</summary>
    private void ServeSync(int requester, int peer, ulong fromHeight)
    {
        SimNode server = _nodes[peer];
        if (server.Crashed || fromHeight == 0 || fromHeight > server.Storage.Height)
        {
            return;
        }

        var chunk = new List<(Block, CommitCertificate)>();
        for (ulong h = fromHeight; h <= server.Storage.Height && chunk.Count < SyncChunk; h++)
        {
            (Block block, CommitCertificate cert, _) = server.Storage.Chain[(int)h - 1];
            if (server.IsByzantine && server.Rng.Chance(0.5))
            {
                block = CorruptBlock(block);
            }

            chunk.Add((block, cert));
        }

        long delay = LinkDelay(peer, requester);
        Enqueue(new Envelope(peer, requester, null, null, chunk), delay < 0 ? -1 : delay + 1);
    }

    private void Log(int node, string message) => _options.Log?.WriteLine($"t={_tick} n{node}: {message}");

    private void TraceEvent(int node, byte kind, ulong number, Hash32 hash)
    {
        Span<byte> buffer = stackalloc byte[8 + 4 + 1 + 8 + 32];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(buffer, _tick);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(buffer[8..], node);
        buffer[12] = kind;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(buffer[13..], number);
        hash.CopyTo(buffer[21..]);
        _trace.AppendData(buffer);
    }

    private sealed record Envelope(int From, int To, byte[]? Payload, Transaction? Tx, List<(Block, CommitCertificate)>? Sync);

    private sealed class ClientTx(Transaction tx, int submitTick)
    {
        public Transaction Tx { get; } = tx;

        public int SubmitTick { get; } = submitTick;

        public bool Acknowledged { get; set; }
    }
}
