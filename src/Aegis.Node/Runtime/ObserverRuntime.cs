using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using Aegis.Core.Consensus;
using Aegis.Core.Consensus.Messages;
using Aegis.Core.Crypto;
using Aegis.Core.Ledger;
using Aegis.Core.State;
using Aegis.Node.Monitoring;
using Aegis.Node.Operations;
using Aegis.Storage.StateNodes;
using Aegis.Network;
using Aegis.Node.StateSync;
using Aegis.Storage;
using Microsoft.Extensions.Logging;

namespace Aegis.Node.Runtime;

/// <summary>
/// A node whose key is not in the genesis validator set: it follows the chain without voting. It learns the
/// validators' heights from their (signature-checked) status messages, fetches the blocks it lacks with the sync
/// protocol, and accepts a block only when it extends its chain and carries a certificate a quorum of the genesis
/// validators signed; it re-executes every block and checks the state root the next headers commit to, then stores
/// it exactly as a validator does. So it serves the whole read API, the event stream, the dashboard and metrics from
/// verified data, and counts toward no quorum. Client transactions it receives go to the validators (gossip), and a
/// waiting client hears of the commit when the observer has stored that block.
/// </summary>
public sealed partial class ObserverRuntime : IPeerMessageHandler, INodeRuntime
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(2);

    private readonly Genesis _genesis;
    private readonly NodeRuntimeOptions _options;
    private readonly INodeStore _store;
    private readonly IPeerNetwork _network;
    private readonly AegisMetrics _metrics;
    private readonly ILogger _logger;
    private readonly MessageVerifier _verifier;
    private readonly ulong _depth;
    private readonly Channel<(int Peer, IReadOnlyList<CommittedBlock> Blocks)> _inbox = Channel.CreateBounded<(int, IReadOnlyList<CommittedBlock>)>(new BoundedChannelOptions(16) { SingleReader = true, FullMode = BoundedChannelFullMode.DropWrite });
    private readonly ConcurrentDictionary<int, (ulong Height, ulong View)> _peerStatus = new();
    private readonly CommitWaiters _waiters = new();
    private readonly ConcurrentDictionary<Hash32, long> _submittedAt = new();
    private readonly BlockEventHub _blocks = new();
    private readonly Dictionary<ulong, Hash32> _roots = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile NodeSnapshot _snapshot;
    private Task? _loop;
    private Task? _ticker;
    private ulong _height;
    private Hash32 _tipHash;
    private Hash32 _stateRoot;
    private long _requestedAt;
    private long _txsCommitted;
    private volatile SnapshotJoiner? _joiner;
    private ulong _firstHeight;
    private HistoryBackfill? _backfill;
    private Task? _backfillTask;

    public ObserverRuntime(Genesis genesis, NodeRuntimeOptions options, INodeStore store, IPeerNetwork network, AegisMetrics metrics, ILogger<ObserverRuntime> logger)
    {
        _genesis = genesis;
        _options = options;
        _store = store;
        _network = network;
        _metrics = metrics;
        _logger = logger;
        _verifier = new MessageVerifier(genesis);
        _depth = (ulong)genesis.Parameters.PipelineDepth;
        _tipHash = genesis.Hash;
        _snapshot = new NodeSnapshot(0, genesis.Hash, 0, 0, false, 0, 0, 0, 0, DateTimeOffset.UtcNow);
    }

    public NodeSnapshot Snapshot => _snapshot;

    public Genesis Genesis => _genesis;

    public INodeStore Store => _store;

    public bool Started => _loop is not null;

    public bool IsValidator => false;

    public Task Stopped => _stopped.Task;

    public long TxsCommitted => Interlocked.Read(ref _txsCommitted);

    public HistoryProgress History => _backfill is not { } b ? default
        : new HistoryProgress(b.FirstHeight, b.FirstHeight <= 1 ? HistoryProgress.Complete : _options.SnapshotSync.KeepHistory ? HistoryProgress.Backfilling : HistoryProgress.Off);

    public async Task StartAsync(CancellationToken ct)
    {
        if (_options.SnapshotSync.Enabled && (await _store.GetTipAsync(ct)).IsEmpty)
        {
            // As a validator does: an empty observer takes a certified snapshot from the validators (in the background,
            // so the API answers meanwhile), then follows from its height; if none is offered it replays from genesis.
            var joiner = new SnapshotJoiner(_genesis, _store, _network, _options.SnapshotSync, TimeProvider.System, _logger, ReportRejected);
            _joiner = joiner;
            _network.Start(this);
            _loop = Task.Run(() => JoinThenFollowAsync(joiner, _stopping.Token), CancellationToken.None);
            return;
        }

        await OpenAsync(ct);
        _loop = Task.Run(() => RunLoopAsync(_stopping.Token), CancellationToken.None);
        _ticker = Task.Run(() => RunTickerAsync(_stopping.Token), CancellationToken.None);
        _network.Start(this);
        StartBackfill();
    }

    private async Task JoinThenFollowAsync(SnapshotJoiner joiner, CancellationToken ct)
    {
        try
        {
            await joiner.RunAsync(ct);
            _joiner = null;
            await OpenAsync(ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return;
        }
        catch (Exception ex)
        {
            _joiner = null;
            LogFollowFailed(ex);
            _stopped.TrySetException(ex);
            return;
        }

        _ticker = Task.Run(() => RunTickerAsync(ct), CancellationToken.None);
        StartBackfill();
        await RunLoopAsync(ct);
    }

    private void StartBackfill()
    {
        _backfill = new HistoryBackfill(_genesis, _store, _network, _options.SnapshotSync, TimeProvider.System, _logger, ReportRejected, Volatile.Read(ref _firstHeight));
        _backfillTask = _backfill.RunAsync(_options.SnapshotSync.KeepHistory, _stopping.Token);
    }

    private void ReportRejected(int peer, ulong height, string reason) =>
        _metrics.Failures.Add(1, new KeyValuePair<string, object?>("kind", "sync_rejected"));

    /// <summary>Reads the chain position the store holds: its tip and the state roots the next headers must name.</summary>
    private async Task OpenAsync(CancellationToken ct)
    {
        Volatile.Write(ref _firstHeight, await _store.GetFirstHeightAsync(ct));
        ChainTip tip = await _store.GetTipAsync(ct);
        _height = tip.Height;
        _tipHash = tip.IsEmpty ? _genesis.Hash : tip.BlockHash;
        _stateRoot = tip.IsEmpty ? BlockExecutor.GenesisStateRoot : tip.StateRoot;
        _roots[0] = BlockExecutor.GenesisStateRoot;
        ulong from = tip.Height > _depth ? tip.Height - _depth : 1;
        for (ulong h = from; h <= tip.Height; h += PeerMessage.MaxSyncBlocks)
        {
            foreach (StoredBlock b in await _store.GetBlocksAsync(h, PeerMessage.MaxSyncBlocks, ct))
            {
                _roots[b.Height] = b.StateRootAfter;
            }
        }

        Publish(DateTimeOffset.UtcNow);
        LogStarted(_height);
    }

    public async ValueTask<SubmitStatus> SubmitAsync(Transaction tx, CancellationToken ct) => (await SubmitManyAsync([tx], ct))[0];

    /// <summary>Passes the transactions on to the validators; an observer has no mempool of its own.</summary>
    public async ValueTask<SubmitStatus[]> SubmitManyAsync(IReadOnlyList<Transaction> txs, CancellationToken ct)
    {
        var statuses = new SubmitStatus[txs.Count];
        if (_loop is null || _stopping.IsCancellationRequested || !_network.Peers.Any(p => p.Role == "validator"))
        {
            Array.Fill(statuses, SubmitStatus.Unavailable);
            return statuses;
        }

        var forward = new List<Transaction>(txs.Count);
        long now = Stopwatch.GetTimestamp();
        IReadOnlySet<Hash32> committed = await _store.FindAppliedTxsAsync([.. txs.Select(t => t.Hash)], ct);
        for (int i = 0; i < txs.Count; i++)
        {
            statuses[i] = committed.Contains(txs[i].Hash) ? SubmitStatus.Duplicate : SubmitStatus.Accepted;
            if (statuses[i] == SubmitStatus.Accepted)
            {
                forward.Add(txs[i]);
                _submittedAt.TryAdd(txs[i].Hash, now);
            }
        }

        for (int i = 0; i < forward.Count; i += PeerMessage.MaxGossipTxs)
        {
            _network.Broadcast(new TransactionsGossip(forward.GetRange(i, Math.Min(PeerMessage.MaxGossipTxs, forward.Count - i))));
        }

        return statuses;
    }

    public Task<CommitInfo> WaitForCommitAsync(Hash32 txHash, CancellationToken ct) => _waiters.WaitAsync(_store, txHash, ct);

    public IAsyncEnumerable<BlockEvent> SubscribeAsync(CancellationToken ct) => _blocks.SubscribeAsync(ct);

    public ValueTask HandleAsync(PeerConnectionInfo from, PeerMessage message, CancellationToken ct)
    {
        if (from.Validator < 0)
        {
            return ValueTask.CompletedTask;
        }

        if (_joiner is { } joiner && message is SnapshotOffer or SnapshotPart or SyncResponse)
        {
            joiner.Post(from.Validator, message);
            return ValueTask.CompletedTask;
        }

        switch (message)
        {
            case SyncResponse s when _backfill is { } backfill && backfill.Wants(s):
                backfill.Post(from.Validator, s);
                break;
            case ConsensusEnvelope { Message: StatusMessage status }:
                // Heights steer what we ask for; a forged one would only make us ask, so it is checked but cheaply.
                if (_verifier.Verify(status, out _) is not null && status.Sender == from.Validator)
                {
                    _peerStatus[from.Validator] = (status.CommittedHeight, status.View);
                }

                break;
            case SyncResponse s when s.Blocks.Count > 0:
                _inbox.Writer.TryWrite((from.Validator, s.Blocks));
                break;
        }

        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _inbox.Writer.TryComplete();
        foreach (Task? t in new[] { _loop, _ticker, _backfillTask })
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
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(Math.Max(50, _options.TickMs * 4)));
        while (await timer.WaitForNextTickAsync(ct))
        {
            Publish(_snapshot.LastCommitAt);
            if (Stopwatch.GetElapsedTime(Interlocked.Read(ref _requestedAt)) > RequestTimeout)
            {
                RequestMore();
            }
        }
    }

    /// <summary>Asks the most advanced validator for the blocks after our tip (at most one request in flight, re-sent after a timeout).</summary>
    private void RequestMore()
    {
        ulong height = Volatile.Read(ref _height);
        KeyValuePair<int, (ulong Height, ulong View)> best = _peerStatus.OrderByDescending(p => p.Value.Height).FirstOrDefault();
        if (_peerStatus.IsEmpty || best.Value.Height <= height)
        {
            return;
        }

        Interlocked.Exchange(ref _requestedAt, Stopwatch.GetTimestamp());
        _network.Send(best.Key, new SyncRequest(height + 1, PeerMessage.MaxSyncBlocks));
    }

    private async Task RunLoopAsync(CancellationToken ct)
    {
        try
        {
            await foreach ((int peer, IReadOnlyList<CommittedBlock> blocks) in _inbox.Reader.ReadAllAsync(ct))
            {
                ulong before = _height;
                await FollowAsync(peer, blocks, ct);
                if (_height > before)
                {
                    Interlocked.Exchange(ref _requestedAt, 0);
                    RequestMore();
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            // A store that fails under us leaves nothing safe to serve from memory: stop following, loudly.
            LogFollowFailed(ex);
            await _stopping.CancelAsync();
            _stopped.TrySetException(ex);
            throw;
        }
    }

    private async Task FollowAsync(int peer, IReadOnlyList<CommittedBlock> chunk, CancellationToken ct)
    {
        CommittedBlock[] blocks = [.. chunk.Where(b => b.Height > _height).OrderBy(b => b.Height)];
        if (blocks.Length == 0)
        {
            return;
        }

        var certificates = new string?[blocks.Length];
        Parallel.For(0, blocks.Length, i => certificates[i] = blocks[i].Certificate.Verify(_genesis.Validators, _genesis.ChainId, blocks[i].Block));

        var writes = new List<BlockWrite>(blocks.Length);
        var appliedHere = new HashSet<Hash32>();
        (ulong height, Hash32 tip, Hash32 root) = (_height, _tipHash, _stateRoot);
        var roots = new Dictionary<ulong, Hash32>(_roots);
        var tree = new UnwrittenTreeNodes(_store.StateNodes);
        for (int index = 0; index < blocks.Length; index++)
        {
            CommittedBlock b = blocks[index];
            ulong source = b.Height > _depth ? b.Height - _depth : 0;
            string? problem = ChainReplay.CheckNext(_genesis, height, tip, b.Block, certificates[index], roots.TryGetValue(source, out Hash32 expected) ? (source, expected) : null);
            if (problem is not null)
            {
                _metrics.Failures.Add(1, new KeyValuePair<string, object?>("kind", "invalid_message"));
                LogRejected(b.Height, _genesis.Validators[peer].Id, problem);
                break;
            }

            IStateView stored = await _store.LoadStateViewAsync(b.Block, ct);
            ExecutionResult result = BlockExecutor.Execute(b.Block, root, new ChunkView(stored, appliedHere), tree);
            tree.Add(b.Height, result.Tree);
            for (int i = 0; i < b.Block.Transactions.Count; i++)
            {
                if (result.Outcomes[i] == TxOutcome.Applied)
                {
                    appliedHere.Add(b.Block.Transactions[i].Hash);
                }
            }

            writes.Add(new BlockWrite(b.Block, b.Certificate, result));
            (height, tip, root) = (b.Height, b.Block.Hash, result.StateRoot);
            roots[b.Height] = result.StateRoot;
            roots.Remove(b.Height - Math.Min(b.Height, _depth + 1));
        }

        if (writes.Count == 0)
        {
            return;
        }

        long start = Stopwatch.GetTimestamp();
        // An observer sees no checkpoints: it keeps the trees of the last watermark window (two checkpoint intervals and
        // the pipeline), as a validator keeps those from its previous stable checkpoint on.
        ulong keep = (ulong)_genesis.Parameters.WatermarkWindow;
        await _store.WriteGroupAsync(new WriteGroup(writes, [], 0) { PruneStateNodesUpTo = height > keep ? height - keep : 0 }, ct);
        _metrics.StorageCommit.Record(Stopwatch.GetElapsedTime(start).TotalSeconds);
        _roots.Clear();
        foreach ((ulong h, Hash32 r) in roots)
        {
            _roots[h] = r;
        }

        (_tipHash, _stateRoot) = (tip, root);
        Volatile.Write(ref _height, height);
        foreach (BlockWrite w in writes)
        {
            Announce(w);
        }

        Publish(DateTimeOffset.UtcNow);
    }

    private void Announce(BlockWrite written)
    {
        Block block = written.Block;
        _metrics.TxsCommitted.Add(block.Transactions.Count);
        Interlocked.Add(ref _txsCommitted, block.Transactions.Count);
        long now = Stopwatch.GetTimestamp();
        foreach (Transaction tx in block.Transactions)
        {
            if (_submittedAt.TryRemove(tx.Hash, out long submitted))
            {
                _metrics.CommitLatency.Record(Stopwatch.GetElapsedTime(submitted, now).TotalSeconds);
            }

            _waiters.Complete(tx.Hash, block.Height, block.Hash);
        }

        _blocks.Publish(new BlockEvent(block.Height, block.Hash, block.Transactions.Count, written.Certificate.View, block.Header.TimestampMs));
    }

    private void Publish(DateTimeOffset lastCommitAt)
    {
        ulong height = Volatile.Read(ref _height);
        (ulong peerHeight, ulong view) = _peerStatus.Values.DefaultIfEmpty().MaxBy(s => s.Height);
        _snapshot = new NodeSnapshot(height, height == 0 ? _genesis.Hash : _tipHash, view, _genesis.Validators.PrimaryOf(view), false, 0, 0, Math.Max(height, peerHeight), 0, lastCommitAt);
    }

    private sealed class ChunkView(IStateView stored, HashSet<Hash32> appliedHere) : IStateView
    {
        public bool IsTxApplied(Hash32 txHash) => appliedHere.Contains(txHash) || stored.IsTxApplied(txHash);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "observer started at height {Height}: following the validators, never voting")]
    private partial void LogStarted(ulong height);

    [LoggerMessage(Level = LogLevel.Warning, Message = "observer rejected block {Height} from {Peer}: {Reason}")]
    private partial void LogRejected(ulong height, string peer, string reason);

    [LoggerMessage(Level = LogLevel.Critical, Message = "observer stopped following: storage or state failure")]
    private partial void LogFollowFailed(Exception ex);
}
