using System.Security.Cryptography;
using Aegis.Core.Consensus;
using Aegis.Core.Crypto;
using Aegis.Core.Ledger;
using Aegis.Node.Runtime;
using Aegis.Storage;

namespace Aegis.Simulation;

/// <summary>
/// One seeded execution over a <see cref="SimCluster"/>: n production hosts on simulated disks, network and time, all
/// on one thread, so the seed fixes everything that happens. Clients submit through the same calls the REST endpoints
/// make and wait for commits the same way; faults come from the seed's <see cref="FaultProfile"/> until
/// <see cref="SimulationOptions.FaultTime"/>, then heal, and every transaction must then commit within
/// <see cref="SimulationOptions.LivenessBound"/>. The <see cref="InvariantChecker"/> watches everything as it happens.
/// </summary>
public sealed class Simulation : IDisposable
{
    private const int TickMs = 20;
    private static readonly TimeSpan FaultTick = TimeSpan.FromMilliseconds(TickMs);

    private readonly ulong _seed;
    private readonly SimulationOptions _options;
    private readonly SimRandom _faultRng;
    private readonly SimRandom _clientRng;
    private readonly SimCluster _cluster;
    private readonly IncrementalHash _trace = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly List<Transaction> _transactions = [];
    private readonly TimeSpan _wipeAt;
    private bool _faulty = true;
    private int _crashes;
    private int _partitions;
    private int _diskFailures;
    private TimeSpan _partitionEnds;

    public Simulation(ulong seed, SimulationOptions options)
    {
        _seed = seed;
        _options = options;
        var rng = new SimRandom(seed);
        _faultRng = rng.Fork();
        _clientRng = rng.Fork();
        int f = new Quorum(options.Replicas).F;
        Profile = FaultProfile.Draw(rng.Fork(), options.Faults, f);
        var byzantine = new Dictionary<int, ByzantineMode>();
        while (byzantine.Count < Profile.Byzantine)
        {
            byzantine.TryAdd(rng.Next(options.Replicas), (ByzantineMode)rng.Next(Enum.GetValues<ByzantineMode>().Length));
        }

        _cluster = new SimCluster(new SimClusterOptions
        {
            Replicas = options.Replicas,
            Seed = rng.NextU64(),
            Parameters = new ConsensusParameters { CheckpointInterval = options.CheckpointInterval, PipelineDepth = options.PipelineDepth, DedupHorizonBlocks = options.DedupHorizonBlocks },
            Replica = new ReplicaOptions { MaxBlockTxs = options.MaxBlockTxs, ViewChangeTimeoutTicks = 40, RetransmitTicks = 10, UnsafeQuorumOverride = options.UnsafeQuorumOverride },
            TickMs = TickMs,
            Profile = Profile,
            Byzantine = byzantine,
            Bug = options.Bug,
            Log = options.Log,
            SnapshotSync = SimClusterOptions.SnapshotSyncForSimulation,
        });
        _cluster.RestartAllowed = () => _faulty;
        _cluster.OnDurable = (node, group) =>
        {
            foreach (BlockWrite b in group.Blocks)
            {
                TraceEvent(node, 1, b.Block.Height, b.Block.Hash);
            }
        };

        for (int i = 0; i < options.Transactions; i++)
        {
            _transactions.Add(Transaction.Put($"key-{_clientRng.Next(options.Transactions)}", $"value-{seed}-{i}", clientId: $"client-{i}"));
        }

        _wipeAt = TimeSpan.FromTicks((long)(options.FaultTime.Ticks * (0.2 + (_faultRng.Next(400) / 1000.0))));
    }

    public FaultProfile Profile { get; }

    private InvariantChecker Checker => _cluster.Checker;

    private SimScheduler Scheduler => _cluster.Scheduler;

    /// <summary>Runs the execution once (and releases its signers: a simulation runs once).</summary>
    public SimulationResult Run()
    {
        using SimCluster cluster = _cluster;
        cluster.StartAll();
        foreach (Transaction tx in _transactions)
        {
            var at = TimeSpan.FromMilliseconds(_clientRng.Next((int)_options.FaultTime.TotalMilliseconds));
            int first = _clientRng.Next(cluster.Count);
            Scheduler.At(at, () => _ = ClientAsync(tx, first));
        }

        Scheduler.At(FaultTick, FaultStep);
        Scheduler.At(_options.FaultTime, Heal);

        bool Done() => !_faulty && Checker.AllCommitted();
        try
        {
            Scheduler.Run(_options.FaultTime + _options.LivenessBound, Done);
        }
        catch (Exception ex)
        {
            Checker.Fail($"simulator: the run threw {ex.GetType().Name}: {ex.Message}");
        }

        if (!Done())
        {
            Checker.Fail(Checker.LivenessReport(_options.FaultTime, _options.LivenessBound));
        }

        // Whatever crashes, wipes and failing writes happened: each disk's state tree is whole under its tip's root.
        foreach (SimNode node in cluster.Nodes)
        {
            if (node.Disk.Data.CheckStateTree() is { } problem)
            {
                Checker.Fail($"state tree: node {node.Index}'s disk: {problem}");
            }

            // Kv heights as a node that executed the blocks it holds has them (a snapshot-joined disk: 0 below its history).
            if (node.Disk.Data.CheckKvHeights() is { } heights)
            {
                Checker.Fail($"kv heights: node {node.Index}'s disk: {heights}");
            }
        }

        if (Scheduler.Escapes > 0)
        {
            Checker.Fail($"determinism: {Scheduler.Escapes} work items were posted from outside the simulation thread");
        }

        foreach (SimNode node in cluster.Nodes)
        {
            cluster.Log(node.Index, $"final height {Checker.Height(node.Index)}, {(node.Runtime?.Snapshot is { } s ? $"view {s.View}{(s.InViewChange ? " (changing)" : "")}, mempool {s.MempoolSize}" : "down")}, byzantine={node.Byzantine?.Mode.ToString() ?? "no"}");
        }

        return new SimulationResult(
            _seed,
            _options,
            Profile,
            Checker.Violations,
            Scheduler.Elapsed,
            Checker.Submitted,
            Checker.Acknowledged,
            Checker.WorstTimeToCommit,
            cluster.Nodes.Where(n => n.IsHonest).Select(n => Checker.Height(n.Index)).DefaultIfEmpty(0UL).Max(),
            cluster.Network.Delivered,
            cluster.Network.Dropped,
            cluster.Network.Malformed,
            cluster.Nodes.Select(n => (int)(n.Runtime?.Snapshot.ViewChanges ?? 0)).DefaultIfEmpty(0).Max(),
            _crashes,
            _partitions,
            _diskFailures,
            Checker.Recoveries,
            cluster.Nodes.Sum(n => n.Disk.GroupsLostInCrashes),
            Checker.EvidenceReports,
            Convert.ToHexStringLower(_trace.GetHashAndReset()))
        {
            SnapshotJoins = Checker.SnapshotInstalls,
            HistoryBackfilled = Checker.HistoryBackfilled,
        };
    }

    public void Dispose() => _cluster.Dispose();

    private void Crash(SimNode node, TimeSpan downtime, bool wipe = false, bool restore = false)
    {
        if (node.Down)
        {
            return;
        }

        _crashes++;
        TraceEvent(node.Index, wipe ? (byte)5 : restore ? (byte)8 : (byte)3, (ulong)downtime.Ticks, default);
        _cluster.CrashNow(node.Index, downtime, wipe, restore);
    }

    /// <summary>One step of the fault schedule: crashes, a wipe, partitions, failing disks, Byzantine extras.</summary>
    private void FaultStep()
    {
        if (!_faulty)
        {
            return;
        }

        FaultProfile p = Profile;
        TimeSpan now = Scheduler.Elapsed;
        SimNode[] nodes = _cluster.Nodes;
        int f = _cluster.Genesis.Validators.Quorum.F;
        if (p.Kinds.HasFlag(FaultKinds.Crash) && _faultRng.Chance(TickMs / p.CrashEveryMs) && nodes.Count(n => n.Down) < Math.Max(1, f))
        {
            Crash(nodes[_faultRng.Next(nodes.Length)], Millis(_faultRng, 20, p.MaxDowntimeMs));
        }

        if (p.Wipe && now >= _wipeAt && now < _wipeAt + FaultTick)
        {
            // Half the seeds lose the disk (the node joins again from nothing), half restore it from a backup (the node
            // keeps its chain but has forgotten its votes, and starts above its stable checkpoint's window).
            bool restore = _faultRng.Chance(0.5);
            Crash(_faultRng.Pick(nodes.Where(n => n.IsHonest).ToList()), Millis(_faultRng, 10, 200), wipe: !restore, restore: restore);
        }

        if (_partitionEnds != default && now >= _partitionEnds)
        {
            _cluster.Network.HealPartitions();
            _partitionEnds = default;
            _cluster.Log(-1, "partition healed");
        }

        if (p.Kinds.HasFlag(FaultKinds.Partition) && _partitionEnds == default && nodes.Length > 1 && _faultRng.Chance(TickMs / p.PartitionEveryMs))
        {
            Partition();
            _partitionEnds = now + Millis(_faultRng, 20, p.MaxPartitionMs);
        }

        if (p.Kinds.HasFlag(FaultKinds.Disk) && _faultRng.Chance(TickMs / p.DiskFailureEveryMs))
        {
            SimNode victim = nodes[_faultRng.Next(nodes.Length)];
            victim.Disk.FailingUntil = (now + Millis(_faultRng, 10, p.MaxDiskFailureMs)).Ticks;

            // Every other failure is a full disk: it fails every write until space returns, then the node resumes by itself.
            victim.Disk.FailsFull = _diskFailures % 2 == 1;
            _diskFailures++;
            _cluster.Log(victim.Index, $"disk fails writes ({(victim.Disk.FailsFull ? "full" : "I/O error")}) until {TimeSpan.FromTicks(victim.Disk.FailingUntil).TotalMilliseconds:F0} ms");
        }

        foreach (SimNode node in nodes)
        {
            if (node.Byzantine is { } wire && !node.Down)
            {
                foreach ((int to, byte[] payload) in wire.Extras(nodes.Length))
                {
                    if (to != node.Index)
                    {
                        _cluster.Network.Transmit(node.Index, to, payload, null);
                    }
                }
            }
        }

        Scheduler.At(FaultTick, FaultStep);
    }

    /// <summary>A symmetric split, one node cut off, or one-way cuts (a node that can send but not hear, or random directed links).</summary>
    private void Partition()
    {
        int n = _cluster.Count;
        string kind;
        switch (_faultRng.Next(4))
        {
            case 0:
                int[] side = [.. Enumerable.Range(0, n).Select(_ => _faultRng.Next(2))];
                ForEachLink((a, b) => side[a] != side[b]);
                kind = $"split {string.Join("", side)}";
                break;
            case 1:
                int alone = _faultRng.Next(n);
                ForEachLink((a, b) => a == alone || b == alone);
                kind = $"node {alone} isolated";
                break;
            case 2:
                int deaf = _faultRng.Next(n);
                ForEachLink((_, b) => b == deaf);
                kind = $"node {deaf} hears nothing (one-way)";
                break;
            default:
                ForEachLink((_, _) => _faultRng.Chance(0.3));
                kind = "random one-way cuts";
                break;
        }

        _partitions++;
        _cluster.Log(-1, $"partition: {kind}");
        TraceEvent(-1, 6, (ulong)_partitions, default);
    }

    private void ForEachLink(Func<int, int, bool> cut)
    {
        for (int a = 0; a < _cluster.Count; a++)
        {
            for (int b = 0; b < _cluster.Count; b++)
            {
                if (a != b && cut(a, b))
                {
                    _cluster.Network.Cut(a, b);
                }
            }
        }
    }

    /// <summary>Faults end: links reliable, partitions gone, disks healthy, every node running.</summary>
    private void Heal()
    {
        _faulty = false;
        _cluster.Network.Faulty = false;
        _cluster.Network.HealPartitions();
        foreach (SimNode node in _cluster.Nodes)
        {
            node.Disk.FailingUntil = 0;
        }

        _cluster.StartDown();
        _cluster.Log(-1, "faults healed");
    }

    /// <summary>
    /// A client: submits to one node (as POST /v1/tx?wait=commit does), waits for the commit, and on a timeout, a refusal
    /// or a dead node tries the next one, until some node tells it the transaction committed.
    /// </summary>
    private async Task ClientAsync(Transaction tx, int first)
    {
        Checker.OnSubmitted(tx.Hash, Scheduler.Elapsed);
        for (int attempt = 0; ; attempt++)
        {
            SimNode node = _cluster.Nodes[(first + attempt) % _cluster.Count];
            NodeRuntime? runtime = node.Runtime;
            if (runtime is not null)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2), _cluster.Clock);
                try
                {
                    SubmitStatus status = await runtime.SubmitAsync(tx, timeout.Token);
                    _cluster.Log(node.Index, $"client: {tx.Hash.ToShortString()} {status}");
                    if (status is SubmitStatus.Accepted or SubmitStatus.Duplicate)
                    {
                        CommitInfo info = await runtime.WaitForCommitAsync(tx.Hash, timeout.Token);
                        _cluster.Log(node.Index, $"client: {tx.Hash.ToShortString()} committed at {info.Height}");
                        if (node.Runtime == runtime)
                        {
                            Checker.OnAcknowledged(node.Index, tx.Hash, info.Height, info.BlockHash, Scheduler.Elapsed);
                            return;
                        }
                    }
                }
                catch (OperationCanceledException)
                {
                    _cluster.Log(node.Index, $"client: {tx.Hash.ToShortString()} timed out");
                }
                catch (StorageException ex)
                {
                    // The process died under the request (an HTTP client would see the connection drop).
                    _cluster.Log(node.Index, $"client: {tx.Hash.ToShortString()} failed: {ex.Message}");
                }
                catch (Exception ex)
                {
                    Checker.Fail($"client: the API of node {node.Index} threw {ex.GetType().Name}: {ex.Message}");
                    return;
                }
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50 + _clientRng.Next(200)), _cluster.Clock);
        }
    }

    private static TimeSpan Millis(SimRandom rng, double min, double max) => TimeSpan.FromMilliseconds(min + (rng.Next(1000) / 1000.0 * Math.Max(0, max - min)));

    private void TraceEvent(int node, byte kind, ulong number, Hash32 hash)
    {
        Span<byte> buffer = stackalloc byte[8 + 4 + 1 + 8 + 32];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(buffer, Scheduler.Now);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(buffer[8..], node);
        buffer[12] = kind;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(buffer[13..], number);
        hash.CopyTo(buffer[21..]);
        _trace.AppendData(buffer);
    }
}
