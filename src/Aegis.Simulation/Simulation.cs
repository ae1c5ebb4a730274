using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using Aegis.Core.Consensus;
using Aegis.Core.Crypto;
using Aegis.Core.Ledger;
using Aegis.Network;
using Aegis.Node.Runtime;
using Aegis.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace Aegis.Simulation;

/// <summary>
/// One seeded execution of n validators, each the production host (<see cref="NodeRuntime"/>: its loop, writer, commit
/// waiters and sync) over a simulated disk (<see cref="SimDisk"/>), a simulated network (<see cref="SimNetwork"/>)
/// and simulated time (<see cref="SimClock"/>), all on one thread (<see cref="SimScheduler"/>), so the seed fixes
/// everything that happens. Clients submit through the same API calls the REST endpoints make and wait for commits
/// the same way; faults come from the seed's <see cref="FaultProfile"/> until <see cref="SimulationOptions.FaultTime"/>,
/// then heal. The <see cref="InvariantChecker"/> watches disks, wires, clients and runtime events as they happen.
/// </summary>
public sealed partial class Simulation
{
    private const int TickMs = 20;
    private static readonly Meter Meter = new("Aegis.Simulation");
    private static readonly RuntimeMetrics Metrics = RuntimeMetrics.Unexported(Meter);
    private static readonly TimeSpan FaultTick = TimeSpan.FromMilliseconds(TickMs);

    private readonly ulong _seed;
    private readonly SimulationOptions _options;
    private readonly SimRandom _rng;
    private readonly SimRandom _faultRng;
    private readonly SimRandom _clientRng;
    private readonly SimScheduler _scheduler = new();
    private readonly SimClock _clock;
    private readonly Genesis _genesis;
    private readonly EcdsaP256Signer[] _signers;
    private readonly CachingVerifier _verifier;
    private readonly SimNetwork _network;
    private readonly SimNode[] _nodes;
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
        _rng = new SimRandom(seed);
        _faultRng = _rng.Fork();
        _clientRng = _rng.Fork();
        _signers = SimKeys.OwnSigners(options.Replicas);
        PublicKey[] keys = SimKeys.PublicKeys(options.Replicas);
        var validators = new ValidatorSet([.. keys.Select((k, i) => new Validator((ushort)i, $"node-{i}", k, $"sim:{i}"))]);
        var parameters = new ConsensusParameters { CheckpointInterval = options.CheckpointInterval, PipelineDepth = options.PipelineDepth, DedupHorizonBlocks = options.DedupHorizonBlocks };
        _genesis = new Genesis("aegis-sim", 1_700_000_000_000, validators, parameters);
        _clock = new SimClock(_scheduler, DateTimeOffset.FromUnixTimeMilliseconds(_genesis.GenesisTimeMs));
        _verifier = new CachingVerifier(_genesis);
        Profile = FaultProfile.Draw(_rng.Fork(), options.Faults, validators.Quorum.F);
        _network = new SimNetwork(_scheduler, _rng.Fork(), Profile, options.Replicas);

        var byzantine = new HashSet<int>();
        while (byzantine.Count < Profile.Byzantine)
        {
            byzantine.Add(_rng.Next(options.Replicas));
        }

        _nodes = new SimNode[options.Replicas];
        for (int i = 0; i < _nodes.Length; i++)
        {
            ByzantineWire? wire = byzantine.Contains(i)
                ? new ByzantineWire(i, (ByzantineMode)_rng.Next(Enum.GetValues<ByzantineMode>().Length), _rng.Fork(), _signers[i], _genesis, _scheduler)
                : null;
            var disk = new SimDisk(i, _scheduler, _rng.Fork(), Profile, _genesis.Hash);
            _nodes[i] = new SimNode(i, disk, wire);
        }

        Checker = new InvariantChecker(_genesis, [.. _nodes.Select(n => !n.IsHonest)]);
        _network.Byzantine = [.. _nodes.Select(n => n.Byzantine)];
        _network.OnSend = Checker.OnSend;
        foreach (SimNode node in _nodes)
        {
            node.Disk.OnDurable = (disk, group) =>
            {
                Checker.OnDurable(disk.Node, group);
                foreach (BlockWrite b in group.Blocks)
                {
                    TraceEvent(disk.Node, 1, b.Block.Height, b.Block.Hash);
                }
            };
        }

        for (int i = 0; i < options.Transactions; i++)
        {
            _transactions.Add(Transaction.Put($"key-{_clientRng.Next(options.Transactions)}", $"value-{seed}-{i}", clientId: $"client-{i}"));
        }

        _wipeAt = TimeSpan.FromTicks((long)(options.FaultTime.Ticks * (0.2 + (_faultRng.Next(400) / 1000.0))));
    }

    public FaultProfile Profile { get; }

    internal InvariantChecker Checker { get; }

    public SimulationResult Run()
    {
        foreach (SimNode node in _nodes)
        {
            _scheduler.Post(() => Start(node));
        }

        for (int i = 0; i < _transactions.Count; i++)
        {
            Transaction tx = _transactions[i];
            var at = TimeSpan.FromTicks(_clientRng.Next((int)Math.Min(int.MaxValue, _options.FaultTime.Ticks / TimeSpan.TicksPerMillisecond)) * TimeSpan.TicksPerMillisecond);
            int first = _clientRng.Next(_nodes.Length);
            _scheduler.At(at, () => _ = ClientAsync(tx, first));
        }

        _scheduler.At(FaultTick, FaultStep);
        _scheduler.At(_options.FaultTime, Heal);

        TimeSpan end = _options.FaultTime + _options.LivenessBound;
        bool Done() => !_faulty && Checker.AllCommitted();
        try
        {
            _scheduler.Run(end, Done);
        }
        catch (Exception ex)
        {
            Checker.Fail($"simulator: the run threw {ex.GetType().Name}: {ex.Message}");
        }

        if (!Done())
        {
            Checker.Fail(Checker.LivenessReport(_options.FaultTime, _options.LivenessBound));
        }

        foreach (EcdsaP256Signer signer in _signers)
        {
            signer.Dispose();
        }

        if (_scheduler.Escapes > 0)
        {
            Checker.Fail($"determinism: {_scheduler.Escapes} work items were posted from outside the simulation thread");
        }

        foreach (SimNode node in _nodes)
        {
            Log(node.Index, $"final height {Checker.Height(node.Index)}, {(node.Runtime?.Snapshot is { } s ? $"view {s.View}, mempool {s.MempoolSize}" : "down")}, byzantine={node.Byzantine?.Mode.ToString() ?? "no"}");
        }

        return new SimulationResult(
            _seed,
            _options,
            Profile,
            Checker.Violations,
            _scheduler.Elapsed,
            Checker.Submitted,
            Checker.Acknowledged,
            Checker.WorstTimeToCommit,
            _nodes.Where(n => n.IsHonest).Select(n => Checker.Height(n.Index)).DefaultIfEmpty(0UL).Max(),
            _network.Delivered,
            _network.Dropped,
            _network.Malformed,
            _nodes.Select(n => (int)(n.Runtime?.Snapshot.ViewChanges ?? 0)).DefaultIfEmpty(0).Max(),
            _crashes,
            _partitions,
            _diskFailures,
            Checker.Recoveries,
            _nodes.Sum(n => n.Disk.GroupsLostInCrashes),
            Checker.EvidenceReports,
            Convert.ToHexStringLower(_trace.GetHashAndReset()));
    }

    internal void Log(int node, string message) => _options.Log?.WriteLine($"t={_scheduler.Elapsed.TotalMilliseconds:F1}ms n{node}: {message}");

    /// <summary>Starts a new process for the node over its disk: the production host, wired to simulated parts.</summary>
    private void Start(SimNode node)
    {
        node.Incarnation++;
        INodeStore store = node.Disk.Open();
        IPeerNetwork endpoint = _network.Attach(node.Index);
        var options = new NodeRuntimeOptions
        {
            NodeId = $"node-{node.Index}",
            TickMs = TickMs,
            Replica = new ReplicaOptions
            {
                MaxBlockTxs = _options.MaxBlockTxs,
                ViewChangeTimeoutTicks = 40,
                RetransmitTicks = 10,
                UnsafeQuorumOverride = _options.UnsafeQuorumOverride,
            },
            RecoveryDelay = TimeSpan.FromMilliseconds(100),
            Verifier = _verifier,
            Observer = new NodeObserver(this, node, node.Incarnation),
            UnsafeReleaseBeforeDurable = _options.Bug == PlantedBug.ReleaseBeforeDurable,
            UnsafeIgnoreTxIndex = _options.Bug == PlantedBug.IgnoreTxIndex,
        };
        var runtime = new NodeRuntime(_genesis, _signers[node.Index], options, store, endpoint, Metrics, NullLogger<NodeRuntime>.Instance, _clock);
        node.Runtime = runtime;
        Log(node.Index, $"start (process {node.Incarnation})");
        TraceEvent(node.Index, 4, (ulong)node.Incarnation, default);
        _ = BootAsync(node, node.Incarnation, store, runtime);
    }

    private async Task BootAsync(SimNode node, int incarnation, INodeStore store, NodeRuntime runtime)
    {
        try
        {
            await store.InitializeAsync(CancellationToken.None);
            await runtime.StartAsync(CancellationToken.None);
        }
        catch (Exception ex) when (node.Incarnation != incarnation || node.Down)
        {
            // The process died while it was starting.
            _ = ex;
        }
        catch (Exception ex)
        {
            Checker.Fail($"start: node {node.Index} could not start: {ex.GetType().Name}: {ex.Message}");
        }
    }

    /// <summary>The process dies at this instant: its disk decides the fate of the group in flight, its links go dark.</summary>
    private void Crash(SimNode node, TimeSpan downtime, bool wipe = false)
    {
        NodeRuntime? runtime = node.Runtime;
        if (runtime is null)
        {
            return;
        }

        _network.Detach(node.Index);
        if (wipe)
        {
            node.Disk.Wipe();
            Checker.OnWiped(node.Index);
        }
        else
        {
            node.Disk.Crash();
        }

        node.Runtime = null;
        _crashes++;
        Log(node.Index, $"{(wipe ? "wiped" : "crash")}, down for {downtime.TotalMilliseconds:F0} ms");
        TraceEvent(node.Index, wipe ? (byte)5 : (byte)3, (ulong)downtime.Ticks, default);

        // Disposing cancels the dead process's timers; its store and links already refuse everything it still tries.
        _ = runtime.DisposeAsync().AsTask();
        _scheduler.At(downtime, () =>
        {
            if (node.Down && _faulty)
            {
                Start(node);
            }
        });
    }

    /// <summary>One step of the fault schedule: crashes, partitions, failing disks, Byzantine extras.</summary>
    private void FaultStep()
    {
        if (!_faulty)
        {
            return;
        }

        FaultProfile p = Profile;
        TimeSpan now = _scheduler.Elapsed;
        int f = _genesis.Validators.Quorum.F;
        if (p.Kinds.HasFlag(FaultKinds.Crash) && _faultRng.Chance(TickMs / p.CrashEveryMs) && _nodes.Count(n => n.Down) < Math.Max(1, f))
        {
            SimNode victim = _nodes[_faultRng.Next(_nodes.Length)];
            Crash(victim, Millis(_faultRng, 20, p.MaxDowntimeMs));
        }

        if (p.Wipe && now >= _wipeAt && now < _wipeAt + FaultTick)
        {
            SimNode victim = _faultRng.Pick(_nodes.Where(n => n.IsHonest).ToList());
            Crash(victim, Millis(_faultRng, 10, 200), wipe: true);
        }

        if (_partitionEnds != default && now >= _partitionEnds)
        {
            _network.HealPartitions();
            _partitionEnds = default;
            Log(-1, "partition healed");
        }

        if (p.Kinds.HasFlag(FaultKinds.Partition) && _partitionEnds == default && _nodes.Length > 1 && _faultRng.Chance(TickMs / p.PartitionEveryMs))
        {
            Partition();
            _partitionEnds = now + Millis(_faultRng, 20, p.MaxPartitionMs);
        }

        if (p.Kinds.HasFlag(FaultKinds.Disk) && _faultRng.Chance(TickMs / p.DiskFailureEveryMs))
        {
            SimNode victim = _nodes[_faultRng.Next(_nodes.Length)];
            victim.Disk.FailingUntil = (now + Millis(_faultRng, 10, p.MaxDiskFailureMs)).Ticks;
            _diskFailures++;
            Log(victim.Index, $"disk fails writes until {TimeSpan.FromTicks(victim.Disk.FailingUntil).TotalMilliseconds:F0} ms");
        }

        foreach (SimNode node in _nodes)
        {
            if (node.Byzantine is { } wire && !node.Down)
            {
                foreach ((int to, byte[] payload) in wire.Extras(_nodes.Length))
                {
                    if (to != node.Index)
                    {
                        _network.Transmit(node.Index, to, payload, null);
                    }
                }
            }
        }

        _scheduler.At(FaultTick, FaultStep);
    }

    /// <summary>A symmetric split, one node cut off, or one-way cuts (a node that can send but not hear, or random directed links).</summary>
    private void Partition()
    {
        int n = _nodes.Length;
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
        Log(-1, $"partition: {kind}");
        TraceEvent(-1, 6, (ulong)_partitions, default);
    }

    private void ForEachLink(Func<int, int, bool> cut)
    {
        for (int a = 0; a < _nodes.Length; a++)
        {
            for (int b = 0; b < _nodes.Length; b++)
            {
                if (a != b && cut(a, b))
                {
                    _network.Cut(a, b);
                }
            }
        }
    }

    /// <summary>Faults end: links reliable, partitions gone, disks healthy, every node running.</summary>
    private void Heal()
    {
        _faulty = false;
        _network.Faulty = false;
        _network.HealPartitions();
        foreach (SimNode node in _nodes)
        {
            node.Disk.FailingUntil = 0;
            if (node.Down)
            {
                Start(node);
            }
        }

        Log(-1, "faults healed");
    }

    /// <summary>
    /// A client: submits to one node (as POST /v1/tx?wait=commit does), waits for the commit, and on a timeout, a refusal
    /// or a dead node tries the next one, until some node tells it the transaction committed.
    /// </summary>
    private async Task ClientAsync(Transaction tx, int first)
    {
        Checker.OnSubmitted(tx.Hash, _scheduler.Elapsed);
        for (int attempt = 0; ; attempt++)
        {
            SimNode node = _nodes[(first + attempt) % _nodes.Length];
            NodeRuntime? runtime = node.Runtime;
            if (runtime is not null)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2), _clock);
                try
                {
                    SubmitStatus status = await runtime.SubmitAsync(tx, timeout.Token);
                    Log(node.Index, $"client: {tx.Hash.ToShortString()} {status}");
                    if (status is SubmitStatus.Accepted or SubmitStatus.Duplicate)
                    {
                        CommitInfo info = await runtime.WaitForCommitAsync(tx.Hash, timeout.Token);
                        Log(node.Index, $"client: {tx.Hash.ToShortString()} committed at {info.Height}");
                        if (node.Runtime == runtime)
                        {
                            Checker.OnAcknowledged(node.Index, tx.Hash, info.Height, info.BlockHash, _scheduler.Elapsed);
                            return;
                        }
                    }
                }
                catch (OperationCanceledException)
                {
                    Log(node.Index, $"client: {tx.Hash.ToShortString()} timed out");
                }
                catch (StorageException ex)
                {
                    // The process died under the request (an HTTP client would see the connection drop).
                    Log(node.Index, $"client: {tx.Hash.ToShortString()} failed: {ex.Message}");
                }
                catch (Exception ex)
                {
                    Checker.Fail($"client: the API of node {node.Index} threw {ex.GetType().Name}: {ex.Message}");
                    return;
                }
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50 + _clientRng.Next(200)), _clock);
        }
    }

    private static TimeSpan Millis(SimRandom rng, double min, double max) => TimeSpan.FromMilliseconds(min + (rng.Next(1000) / 1000.0 * Math.Max(0, max - min)));

    private void TraceEvent(int node, byte kind, ulong number, Hash32 hash)
    {
        Span<byte> buffer = stackalloc byte[8 + 4 + 1 + 8 + 32];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(buffer, _scheduler.Now);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(buffer[8..], node);
        buffer[12] = kind;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(buffer[13..], number);
        hash.CopyTo(buffer[21..]);
        _trace.AppendData(buffer);
    }
}
