using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using Aegis.Core.Consensus;
using Aegis.Core.Crypto;
using Aegis.Core.Ledger;
using Aegis.Core.State;
using Aegis.Node.Monitoring;
using Aegis.Network;
using Aegis.Storage;
using Microsoft.Extensions.Logging;

namespace Aegis.Node.Runtime;

/// <summary>
/// The plumbing around one <see cref="Replica"/>: a single event loop reads inputs from a channel, steps the replica
/// and executes committed blocks; a writer behind it makes each batch's consensus record and blocks durable, in one
/// transaction, before any of the batch's messages go out or any client hears of its blocks. Everything else (API,
/// network readers, the ticker) only posts inputs, so the replica never sees two threads.
/// </summary>
public sealed partial class NodeRuntime : IPeerMessageHandler, INodeRuntime
{
    private const int MaxBatch = 4096;

    private readonly Genesis _genesis;
    private readonly ISigner _signer;
    private readonly NodeRuntimeOptions _options;
    private readonly INodeStore _store;
    private readonly IPeerNetwork _network;
    private readonly ILogger _logger;
    private readonly AegisMetrics _metrics;
    private readonly MessageVerifier _verifier;
    private readonly Channel<NodeInput> _inbox = Channel.CreateBounded<NodeInput>(new BoundedChannelOptions(65_536) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly CommitWaiters _waiters = new();
    private readonly ConcurrentDictionary<Hash32, long> _submittedAt = new();
    private readonly ConcurrentDictionary<Guid, Channel<BlockEvent>> _subscribers = new();
    private readonly CancellationTokenSource _stopping = new();
    private Replica? _replica;
    private Hash32 _stateRoot;
    private Task? _loop;
    private Task? _writer;
    private Task? _ticker;
    private volatile NodeSnapshot _snapshot;
    private ulong _highestPeerHeight;
    private long _txsCommitted;

    public NodeRuntime(Genesis genesis, ISigner signer, NodeRuntimeOptions options, INodeStore store, IPeerNetwork network, AegisMetrics metrics, ILogger<NodeRuntime> logger)
    {
        _genesis = genesis;
        _signer = signer;
        _options = options;
        _store = store;
        _network = network;
        _metrics = metrics;
        _logger = logger;
        _verifier = new MessageVerifier(genesis);
        _snapshot = new NodeSnapshot(0, genesis.Hash, 0, 0, false, 0, 0, 0, 0, DateTimeOffset.UtcNow);
    }

    public NodeSnapshot Snapshot => _snapshot;

    public Genesis Genesis => _genesis;

    public INodeStore Store => _store;

    public bool Started => _loop is not null;

    public bool IsValidator => true;

    /// <summary>Transactions committed since this process started.</summary>
    public long TxsCommitted => Interlocked.Read(ref _txsCommitted);

    /// <summary>Loads the chain position and the consensus record from storage, rebuilds the replica and starts the loop.</summary>
    public async Task StartAsync(CancellationToken ct)
    {
        ChainTip tip = await _store.GetTipAsync(ct);
        var recent = new List<(CommittedBlock, Hash32)>();
        ulong horizon = (ulong)_genesis.Parameters.DedupHorizonBlocks;
        for (ulong h = tip.Height > horizon ? tip.Height - horizon + 1 : 1; h <= tip.Height; h += PeerMessage.MaxSyncBlocks)
        {
            foreach (StoredBlock b in await _store.GetBlocksAsync(h, PeerMessage.MaxSyncBlocks, ct))
            {
                recent.Add((new CommittedBlock(b.Block, b.Certificate), b.StateRootAfter));
            }
        }

        ChainPosition position = ChainPosition.FromRecent(_genesis, recent);
        _stateRoot = tip.Height == 0 ? BlockExecutor.GenesisStateRoot : tip.StateRoot;

        var replica = new Replica(_genesis, _signer, _options.Replica, position);
        IReadOnlyList<ConsensusRecordEntry> record = await _store.ReadConsensusRecordAsync(ct);
        replica.Restore(record.Select(e => RecordEntry.FromBytes(e.Data)));
        _replica = replica;
        PublishSnapshot(replica.Status);
        LogStarted(tip.Height, replica.View, record.Count);

        _loop = Task.Run(() => RunLoopAsync(_stopping.Token), CancellationToken.None);
        _writer = Task.Run(() => RunWriterAsync(_stopping.Token), CancellationToken.None);
        _ticker = Task.Run(() => RunTickerAsync(_stopping.Token), CancellationToken.None);
        _network.Start(this);
    }

    /// <summary>Offers a client transaction to the mempool (and, if new, to the peers' mempools).</summary>
    public async ValueTask<SubmitStatus> SubmitAsync(Transaction tx, CancellationToken ct)
    {
        if (_loop is null || _stopping.IsCancellationRequested)
        {
            return SubmitStatus.Unavailable;
        }

        var reply = new TaskCompletionSource<SubmitStatus>(TaskCreationOptions.RunContinuationsAsynchronously);
        _submittedAt.TryAdd(tx.Hash, Stopwatch.GetTimestamp());
        await _inbox.Writer.WriteAsync(new TransactionInput(tx, reply, FromPeer: false), ct);
        return await reply.Task.WaitAsync(ct);
    }

    /// <summary>Offers many transactions at once; one status per transaction, in order.</summary>
    public async ValueTask<SubmitStatus[]> SubmitManyAsync(IReadOnlyList<Transaction> txs, CancellationToken ct)
    {
        if (_loop is null || _stopping.IsCancellationRequested)
        {
            return [.. txs.Select(_ => SubmitStatus.Unavailable)];
        }

        var reply = new TaskCompletionSource<SubmitStatus[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        long now = Stopwatch.GetTimestamp();
        foreach (Transaction tx in txs)
        {
            _submittedAt.TryAdd(tx.Hash, now);
        }

        await _inbox.Writer.WriteAsync(new TransactionBatchInput(txs, reply), ct);
        return await reply.Task.WaitAsync(ct);
    }

    /// <summary>Completes when the transaction is committed and durable on this node.</summary>
    public async Task<CommitInfo> WaitForCommitAsync(Hash32 txHash, CancellationToken ct)
    {
        TaskCompletionSource<CommitInfo> waiter = _waiters.Add(txHash);
        try
        {
            // The commit may have landed before we registered: then everyone waiting for it hears now.
            if (await _store.GetTxAsync(txHash, ct) is { } location)
            {
                _waiters.Complete(txHash, location.Height, location.BlockHash);
            }

            return await waiter.Task.WaitAsync(ct);
        }
        finally
        {
            _waiters.Release(txHash, waiter);
        }
    }

    /// <summary>A stream of committed blocks for one subscriber; slow subscribers lose the oldest events, never block consensus.</summary>
    public async IAsyncEnumerable<BlockEvent> SubscribeAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var id = Guid.NewGuid();
        Channel<BlockEvent> channel = Channel.CreateBounded<BlockEvent>(new BoundedChannelOptions(1024) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        _subscribers[id] = channel;
        try
        {
            await foreach (BlockEvent e in channel.Reader.ReadAllAsync(ct))
            {
                yield return e;
            }
        }
        finally
        {
            _subscribers.TryRemove(id, out _);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _inbox.Writer.TryComplete();
        foreach (Task? t in new[] { _loop, _writer, _ticker })
        {
            if (t is not null)
            {
                try
                {
                    await t;
                }
                catch (OperationCanceledException)
                {
                }
            }
        }

        _waiters.CancelAll();

        _stopping.Dispose();
    }

    private async Task RunTickerAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(_options.TickMs));
        while (await timer.WaitForNextTickAsync(ct))
        {
            // A full inbox means the loop is busy; a missed tick only delays timers.
            _inbox.Writer.TryWrite(new TickInput());
        }
    }

    /// <summary>Publishes what the API shows; called with the replica's status once the batch it describes is durable.</summary>
    private void PublishSnapshot(ReplicaStatus s)
    {
        NodeSnapshot previous = _snapshot;
        _snapshot = new NodeSnapshot(
            s.CommittedHeight,
            s.CommittedHeight == 0 ? _genesis.Hash : s.CommittedHash,
            s.View,
            s.Primary,
            s.InViewChange,
            s.MempoolSize,
            s.StableCheckpoint,
            Math.Max(_highestPeerHeight, s.CommittedHeight),
            s.ViewChanges,
            s.CommittedHeight != previous.Height ? DateTimeOffset.UtcNow : previous.LastCommitAt);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "consensus started at height {Height}, view {View}, {RecordEntries} record entries replayed")]
    private partial void LogStarted(ulong height, ulong view, int recordEntries);
}
