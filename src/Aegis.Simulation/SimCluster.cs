using System.Diagnostics.Metrics;
using Aegis.Core.Consensus;
using Aegis.Core.Consensus.Messages;
using Aegis.Core.Crypto;
using Aegis.Core.Ledger;
using Aegis.Network;
using Aegis.Node.Monitoring;
using Aegis.Node.Runtime;
using Aegis.Storage;
using Aegis.Storage.Memory;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Aegis.Simulation;

/// <summary>
/// n validators, each the production host (<see cref="NodeRuntime"/>: its loop, writer, commit waiters and sync) over a
/// simulated disk (<see cref="SimDisk"/>), a simulated network (<see cref="SimNetwork"/>) and simulated time
/// (<see cref="SimClock"/>), all on one thread (<see cref="SimScheduler"/>), with the <see cref="InvariantChecker"/>
/// watching disks, wires and runtime events. A <see cref="Simulation"/> drives one under a seed's faults; tests and
/// benchmarks drive one by hand (submit, run, filter or inject messages, crash and restart nodes, read the disks).
/// </summary>
public sealed class SimCluster : IDisposable
{
    private static readonly Meter Meter = new("Aegis.Simulation");
    private static readonly RuntimeMetrics Metrics = RuntimeMetrics.Unexported(Meter);

    private readonly SimClusterOptions _options;
    private readonly EcdsaP256Signer[] _signers;

    // What the hosts sign with: the run's signers, their signatures entered in the genesis keys' memos.
    private readonly ISigner[] _signing;
    private readonly CachingVerifier _verifier;
    private readonly List<ConsensusMessage>[] _sent;
    private readonly List<Evidence>[] _evidence;
    private bool _disposed;

    public SimCluster(SimClusterOptions options)
    {
        _options = options;
        int n = options.Replicas;
        var rng = new SimRandom(options.Seed);
        _signers = SimKeys.OwnSigners(n);
        PublicKey[] keys = SimKeys.OwnPublicKeys(n);
        Genesis = options.Genesis ?? new Genesis("aegis-sim", 1_700_000_000_000, new ValidatorSet([.. keys.Select((k, i) => new Validator((ushort)i, $"node-{i}", k, $"sim:{i}"))]), options.Parameters);
        if (Genesis.Validators.Count != n || Enumerable.Range(0, n).Any(i => !Genesis.Validators[i].PublicKey.Equals(keys[i])))
        {
            throw new ArgumentException($"a simulated genesis must name the simulator's {n} validator keys (SimKeys), in order", nameof(options));
        }

        _signing = options.Genesis is null ? [.. _signers.Select((signer, i) => keys[i].RememberSignaturesOf(signer))] : _signers;

        Clock = new SimClock(Scheduler, DateTimeOffset.FromUnixTimeMilliseconds(Genesis.GenesisTimeMs));
        _verifier = new CachingVerifier(Genesis);
        Network = new SimNetwork(Scheduler, rng.Fork(), options.Profile, n);
        Nodes = new SimNode[n];
        for (int i = 0; i < n; i++)
        {
            ByzantineWire? wire = options.Byzantine.TryGetValue(i, out ByzantineMode mode) ? new ByzantineWire(i, mode, rng.Fork(), _signing[i], Genesis, Scheduler) : null;
            Nodes[i] = new SimNode(i, new SimDisk(i, Scheduler, rng.Fork(), options.Profile, Genesis.Hash), wire);
        }

        Checker = new InvariantChecker(Genesis, [.. Nodes.Select(node => !node.IsHonest || options.Dishonest.Contains(node.Index))]);
        _sent = [.. Nodes.Select(_ => new List<ConsensusMessage>())];
        _evidence = [.. Nodes.Select(_ => new List<Evidence>())];
        Network.Byzantine = [.. Nodes.Select(node => node.Byzantine)];
        Network.OnSend = (node, message) =>
        {
            Checker.OnSend(node, message);
            if (options.KeepSent)
            {
                _sent[node].Add(message);
            }
        };
        foreach (SimNode node in Nodes)
        {
            node.Disk.OnDurable = (disk, group) =>
            {
                Checker.OnDurable(disk.Node, group);
                OnDurable?.Invoke(disk.Node, group);
            };
        }
    }

    public SimScheduler Scheduler { get; } = new();

    public SimClock Clock { get; }

    public Genesis Genesis { get; }

    public SimNetwork Network { get; }

    public InvariantChecker Checker { get; }

    public int Count => Nodes.Length;

    /// <summary>Signs a message as validator <paramref name="index"/> would (for tests that craft messages).</summary>
    public ISigner Signer(int index) => _signing[index];

    /// <summary>Every write group as it becomes durable on a node's disk (after the checker has seen it).</summary>
    public Action<int, WriteGroup>? OnDurable { get; set; }

    internal SimNode[] Nodes { get; }

    /// <summary>The node's running host, or null while it is down.</summary>
    public NodeRuntime? Runtime(int node) => Nodes[node].Runtime;

    /// <summary>What the node's disk durably holds, read through the store contract.</summary>
    public INodeStore Disk(int node)
    {
        var store = new MemoryNodeStore(Nodes[node].Disk.Data, Genesis.Hash);
        store.InitializeAsync(CancellationToken.None).GetAwaiter().GetResult();
        return store;
    }

    /// <summary>The node's simulated disk, for tests that fault it by hand.</summary>
    public SimDisk DiskOf(int node) => Nodes[node].Disk;

    public ulong Height(int node) => Disk(node).GetTipAsync(CancellationToken.None).GetAwaiter().GetResult().Height;

    public IReadOnlyList<StoredBlock> Chain(int node) => Disk(node).GetBlocksAsync(1, int.MaxValue, CancellationToken.None).GetAwaiter().GetResult();

    /// <summary>Consensus messages node <paramref name="node"/>'s host sent, in order (with <see cref="SimClusterOptions.KeepSent"/>).</summary>
    public IReadOnlyList<ConsensusMessage> Sent(int node) => _sent[node];

    /// <summary>Evidence node <paramref name="node"/> reported.</summary>
    public IReadOnlyList<Evidence> Evidence(int node) => _evidence[node];

    /// <summary>Starts every node that is down.</summary>
    public void StartAll()
    {
        foreach (SimNode node in Nodes.Where(n => n.Down))
        {
            Scheduler.Post(() => Start(node));
        }

        Settle();
    }

    /// <summary>Starts every node that is down, from inside the running world (a fault schedule healing).</summary>
    internal void StartDown()
    {
        foreach (SimNode node in Nodes.Where(n => n.Down))
        {
            Start(node);
        }
    }

    /// <summary>Runs simulated time forward by <paramref name="time"/>.</summary>
    public void Run(TimeSpan time) => Scheduler.Run(Scheduler.Elapsed + time, () => false);

    /// <summary>Runs until <paramref name="condition"/> holds (checked between steps) or <paramref name="limit"/> of simulated time passed; returns whether it held.</summary>
    public bool RunUntil(Func<bool> condition, TimeSpan limit)
    {
        Scheduler.Run(Scheduler.Elapsed + limit, condition);
        return condition();
    }

    /// <summary>Submits <paramref name="tx"/> to the given nodes (all when none are given) as the REST API would, then runs until it is durable on every running node.</summary>
    public void Submit(Transaction tx, params int[] nodes) => Submit([tx], nodes);

    public void Submit(IReadOnlyList<Transaction> txs, params int[] nodes)
    {
        Offer(txs, nodes);
        RunUntil(() => Nodes.Where(n => !n.Down).All(n => txs.All(tx => Checker.Holds(n.Index, tx.Hash))), TimeSpan.FromSeconds(5));
    }

    /// <summary>Submits without waiting for anything: the calls are made when the world next runs. Returns the statuses, filled in then.</summary>
    public List<SubmitStatus> Offer(IReadOnlyList<Transaction> txs, params int[] nodes)
    {
        var statuses = new List<SubmitStatus>();
        foreach (Transaction tx in txs)
        {
            Checker.OnSubmitted(tx.Hash, Scheduler.Elapsed);
        }

        foreach (int i in nodes.Length == 0 ? Enumerable.Range(0, Count) : nodes)
        {
            if (Runtime(i) is { } runtime)
            {
                Scheduler.Post(() => _ = OfferAsync(runtime, txs, statuses));
            }
        }

        return statuses;
    }

    private static async Task OfferAsync(NodeRuntime runtime, IReadOnlyList<Transaction> txs, List<SubmitStatus> statuses) =>
        statuses.AddRange(await runtime.SubmitManyAsync(txs, CancellationToken.None));

    /// <summary>Delivers <paramref name="message"/> to node <paramref name="to"/> as if its sender had sent it, then runs until things settle.</summary>
    public void Deliver(int to, ConsensusMessage message)
    {
        Scheduler.Post(() => Network.Inject(message.Sender, to, new ConsensusEnvelope(message)));
        Run(TimeSpan.FromMilliseconds(200));
    }

    /// <summary>
    /// The node's process dies now; it restarts from its disk after <paramref name="downtime"/> unless that is null.
    /// Like everything that touches a host, it runs on the world's thread (the call returns once it has).
    /// </summary>
    public void Crash(int index, TimeSpan? downtime = null, bool wipe = false, bool restore = false)
    {
        Scheduler.Post(() => CrashNow(index, downtime, wipe, restore));
        Settle();
    }

    /// <summary>Starts a new process for the node over its disk: the production host, wired to simulated parts.</summary>
    public void Start(int index)
    {
        Scheduler.Post(() => Start(Nodes[index]));
        Settle();
    }

    /// <summary>Runs what is ready now, without moving simulated time.</summary>
    public void Settle() => Scheduler.Run(Scheduler.Elapsed, () => false);

    /// <param name="restore">instead of a wipe, the disk is restored from a backup of itself (<see cref="SimDisk.RestoreFromBackup"/>).</param>
    internal void CrashNow(int index, TimeSpan? downtime = null, bool wipe = false, bool restore = false)
    {
        SimNode node = Nodes[index];
        NodeRuntime? runtime = node.Runtime;
        if (runtime is null)
        {
            return;
        }

        Network.Detach(index);
        if (wipe)
        {
            node.Disk.Wipe();
            Checker.OnWiped(index);
        }
        else if (restore)
        {
            node.Disk.RestoreFromBackup();
            Checker.OnRestored(index);
        }
        else
        {
            node.Disk.Crash();
        }

        node.Runtime = null;
        Log(index, $"{(wipe ? "wiped" : restore ? "restored from a backup (no consensus record)" : "crash")}{(downtime is { } d ? $", down for {d.TotalMilliseconds:F0} ms" : "")}");

        // Disposing cancels the dead process's timers; its store and links already refuse everything it still tries.
        _ = runtime.DisposeAsync().AsTask();
        if (downtime is { } delay)
        {
            Scheduler.At(delay, () =>
            {
                if (node.Down && (RestartAllowed?.Invoke() ?? true))
                {
                    Start(node);
                }
            });
        }
    }

    /// <summary>Asked before a scheduled restart; false leaves the node down (the simulation restarts it when faults heal).</summary>
    public Func<bool>? RestartAllowed { get; set; }

    internal void Start(SimNode node)
    {
        node.Incarnation++;
        node.Health = new StorageHealth();
        INodeStore store = new MonitoredNodeStore(node.Disk.Open(), node.Health);
        IPeerNetwork endpoint = Network.Attach(node.Index);
        var options = new NodeRuntimeOptions
        {
            NodeId = $"node-{node.Index}",
            TickMs = _options.TickMs,
            Replica = _options.Replica,
            RecoveryDelay = TimeSpan.FromMilliseconds(100),
            MaxRecoveryDelay = TimeSpan.FromMilliseconds(800),
            Verifier = _verifier,
            Observer = new NodeObserver(this, node, node.Incarnation),
            UnsafeReleaseBeforeDurable = _options.Bug == PlantedBug.ReleaseBeforeDurable,
            UnsafeIgnoreTxIndex = _options.Bug == PlantedBug.IgnoreTxIndex,
            SnapshotSync = _options.SnapshotSync,
        };
        ILogger<NodeRuntime> logger = _options.Log is null ? NullLogger<NodeRuntime>.Instance : new TraceLogger<NodeRuntime>(this, node.Index);
        var runtime = new NodeRuntime(Genesis, _signing[node.Index], options, store, endpoint, Metrics, logger, Clock);
        node.Runtime = runtime;
        Log(node.Index, $"start (process {node.Incarnation})");
        _ = BootAsync(node, node.Incarnation, store, runtime);
    }

    internal void Log(int node, string message) => _options.Log?.WriteLine($"t={Scheduler.Elapsed.TotalMilliseconds:F1}ms n{node}: {message}");

    internal void RecordEvidence(int node, Evidence evidence) => _evidence[node].Add(evidence);

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (EcdsaP256Signer signer in _signers)
        {
            signer.Dispose();
        }
    }

    private async Task BootAsync(SimNode node, int incarnation, INodeStore store, NodeRuntime runtime)
    {
        try
        {
            await store.InitializeAsync(CancellationToken.None);
            await runtime.StartAsync(CancellationToken.None);
        }
        catch (Exception) when (node.Incarnation != incarnation || node.Down)
        {
            // The process died while it was starting.
        }
        catch (Exception ex)
        {
            Checker.Fail($"start: node {node.Index} could not start: {ex.GetType().Name}: {ex.Message}");
        }
    }
}

/// <summary>How a <see cref="SimCluster"/> is built.</summary>
public sealed record SimClusterOptions
{
    public int Replicas { get; init; } = 4;

    public ulong Seed { get; init; } = 1;

    public ConsensusParameters Parameters { get; init; } = new() { CheckpointInterval = 8, PipelineDepth = 3, DedupHorizonBlocks = 8 };

    /// <summary>
    /// A genesis of the caller's instead of the simulator's own (which uses <see cref="Parameters"/>): for output that
    /// must verify under a fixed chain, such as the fuzz seed corpus. Its validators must be <see cref="SimKeys"/>' keys.
    /// </summary>
    public Genesis? Genesis { get; init; }

    public ReplicaOptions Replica { get; init; } = new() { MaxBlockTxs = 8, ViewChangeTimeoutTicks = 40, RetransmitTicks = 10 };

    public int TickMs { get; init; } = 20;

    /// <summary>
    /// Snapshot sync for empty (new or wiped) nodes: off by default, so a test's nodes start consensus at once; the
    /// seeded runs (<see cref="Simulation"/>) and the snapshot tests turn it on with <see cref="SnapshotSyncForSimulation"/>.
    /// </summary>
    public Aegis.Node.StateSync.SnapshotSyncOptions SnapshotSync { get; init; } = new();

    /// <summary>
    /// A wiped node joins by snapshot once the chain is 4 blocks past the pipeline, so a seeded run's short chains
    /// exercise it; timeouts in simulated time, short enough for a run's few seconds.
    /// </summary>
    public static Aegis.Node.StateSync.SnapshotSyncOptions SnapshotSyncForSimulation { get; } = new()
    {
        Enabled = true,
        MinBlocks = 4,
        OfferWait = TimeSpan.FromMilliseconds(100),
        GiveUpAfter = TimeSpan.FromSeconds(2),
        RequestTimeout = TimeSpan.FromMilliseconds(500),
    };

    /// <summary>The disks' and links' faults; none (but fsync time) by default.</summary>
    public FaultProfile Profile { get; init; } = FaultProfile.Quiet;

    /// <summary>Validators whose wire is Byzantine, and how.</summary>
    public IReadOnlyDictionary<int, ByzantineMode> Byzantine { get; init; } = new Dictionary<int, ByzantineMode>();

    /// <summary>Validators a test signs messages for by hand: the checker does not count them as honest.</summary>
    public IReadOnlySet<int> Dishonest { get; init; } = new HashSet<int>();

    public PlantedBug Bug { get; init; }

    /// <summary>Keep every consensus message each host sent (for tests that read <see cref="SimCluster.Sent"/>).</summary>
    public bool KeepSent { get; init; }

    public TextWriter? Log { get; init; }
}
