using System.Collections.Concurrent;
using System.Threading.Channels;
using Aegis.Core.Consensus;
using Aegis.Core.Crypto;
using Aegis.Core.Ledger;
using Aegis.Core.Mempool;
using Aegis.Core.State;
using Aegis.Network;
using Aegis.Node.StateSync;
using Aegis.Storage;
using Microsoft.Extensions.Logging;

namespace Aegis.Node.Runtime;

/// <summary>
/// The host around one <see cref="Replica"/>, the same code in a node and in the simulator: a single event loop
/// reads inputs from a channel, steps the replica and executes committed blocks; a writer behind it makes each batch's
/// consensus record and blocks durable, in one group, before any of the batch's messages go out or any client hears
/// of its blocks. Everything else (API, network readers, the ticker) only posts inputs, so the replica never sees two
/// threads. Written against <see cref="INodeStore"/>, <see cref="IPeerNetwork"/> and <see cref="TimeProvider"/> only,
/// and it never starts threads of its own: its tasks continue wherever their awaits resume, on the thread pool in a
/// node and on the simulator's single thread there.
/// <para>
/// Failures: storage failing under consensus stops it (nothing undurable was ever sent, so nothing is lost) and the
/// runtime starts again from what is durable once the store answers (<see cref="NodeRuntimeOptions.RecoveryDelay"/>);
/// a broken invariant (<see cref="InvariantViolationException"/>, a block the store refuses) stops consensus for good,
/// loudly, and completes <see cref="Stopped"/> with it.
/// </para>
/// </summary>
public sealed partial class NodeRuntime : IPeerMessageHandler, INodeRuntime
{
    private const int MaxBatch = 4096;

    private readonly Genesis _genesis;
    private readonly ISigner _signer;
    private readonly NodeRuntimeOptions _options;
    private readonly INodeStore _store;
    private readonly IPeerNetwork _network;
    private readonly RuntimeMetrics _metrics;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly IMessageVerifier _verifier;
    private readonly IRuntimeObserver? _observer;
    private readonly CommitWaiters _waiters = new();
    private readonly ConcurrentDictionary<Hash32, long> _submittedAt = new();
    private readonly BlockEventHub _blocks = new();
    private readonly CancellationTokenSource _disposing = new();
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile Session? _session;
    private Task? _supervisor;
    private volatile NodeSnapshot _snapshot;
    private ulong _highestPeerHeight;
    private volatile SnapshotJoiner? _joiner;
    private HistoryBackfill? _backfill;
    private Task? _backfillTask;
    private long _txsCommitted;

    public NodeRuntime(Genesis genesis, ISigner signer, NodeRuntimeOptions options, INodeStore store, IPeerNetwork network, RuntimeMetrics metrics, ILogger<NodeRuntime> logger, TimeProvider? time = null)
    {
        _genesis = genesis;
        _signer = signer;
        _options = options;
        _store = store;
        _network = network;
        _metrics = metrics;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        _verifier = options.Verifier ?? new MessageVerifier(genesis);
        _observer = options.Observer;
        _snapshot = new NodeSnapshot(0, genesis.Hash, 0, 0, false, 0, 0, 0, 0, _time.GetUtcNow());
    }

    public NodeSnapshot Snapshot => _snapshot;

    public Genesis Genesis => _genesis;

    public INodeStore Store => _store;

    public bool Started => _supervisor is not null;

    public bool IsValidator => true;

    /// <summary>Transactions committed since this process started.</summary>
    public long TxsCommitted => Interlocked.Read(ref _txsCommitted);

    public HistoryProgress History => _backfill is not { } b ? default
        : new HistoryProgress(b.FirstHeight, b.FirstHeight <= 1 ? HistoryProgress.Complete : _options.SnapshotSync.KeepHistory ? HistoryProgress.Backfilling : HistoryProgress.Off);

    /// <summary>Completes when consensus has stopped for good: faulted with the broken invariant, or done after <see cref="DisposeAsync"/>.</summary>
    public Task Stopped => _stopped.Task;

    /// <summary>Loads the chain position and the consensus record from storage, rebuilds the replica, starts the loop and the network.</summary>
    /// <exception cref="StorageException">the store cannot be read.</exception>
    /// <exception cref="InvariantViolationException">the stored consensus record contradicts itself.</exception>
    public async Task StartAsync(CancellationToken ct)
    {
        // A lone validator has nobody to ask (it waited out the 10 s offer timeout before its first block).
        if (_options.SnapshotSync.Enabled && _genesis.Validators.Count > 1 && (await _store.GetTipAsync(ct)).IsEmpty)
        {
            // An empty store: ask the peers for a snapshot before building the replica (the answers come through the
            // network, so it starts first); consensus starts at whatever height the store holds afterwards.
            _joiner = new SnapshotJoiner(_genesis, _store, _network, _options.SnapshotSync, _time, _logger, ReportRejected);
            _network.Start(this);
            _supervisor = JoinThenSuperviseAsync(_joiner);
            return;
        }

        await StartBackfillAsync(ct);
        Session session = await OpenSessionAsync(ct);
        _session = session;
        _supervisor = SuperviseAsync(session);
        _network.Start(this);
    }

    /// <summary>
    /// Reads which history the store holds (before any transaction is looked up: the tx index is exact only from there)
    /// and, for a snapshot-joined store with keep_history, backfills what is below it in the background.
    /// </summary>
    private async Task StartBackfillAsync(CancellationToken ct)
    {
        if (_backfill is not null)
        {
            return;
        }

        var backfill = new HistoryBackfill(_genesis, _store, _network, _options.SnapshotSync, _time, _logger, ReportRejected, await _store.GetFirstHeightAsync(ct));
        _backfill = backfill;
        _backfillTask = backfill.RunAsync(_options.SnapshotSync.KeepHistory, _disposing.Token);
    }

    /// <summary>Joins by snapshot (or gives up on it), then runs consensus from what the store holds.</summary>
    private async Task JoinThenSuperviseAsync(SnapshotJoiner joiner)
    {
        Session? session = null;
        while (session is null)
        {
            try
            {
                if ((await _store.GetTipAsync(_disposing.Token)).IsEmpty)
                {
                    await joiner.RunAsync(_disposing.Token);
                }

                _joiner = null;
                await StartBackfillAsync(_disposing.Token);
                session = await OpenSessionAsync(_disposing.Token);
            }
            catch (OperationCanceledException) when (_disposing.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (IsStorageFailure(ex))
            {
                // Nothing of a failed install is stored (one write group): try again once the store answers.
                LogRecovering(ex);
                _metrics.Failure("storage");
                _observer?.OnRecovering(ex);
                try
                {
                    await Task.Delay(_options.RecoveryDelay, _time, _disposing.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
            catch (Exception ex)
            {
                // A snapshot that does not build its certified root, a broken invariant: stop loudly, as a failed start.
                _joiner = null;
                LogStopped(ex, (ex as InvariantViolationException)?.Evidence?.Description ?? "");
                _observer?.OnStopped(ex);
                _stopped.TrySetException(ex);
                return;
            }
        }

        _session = session;
        await SuperviseAsync(session);
    }

    private void ReportRejected(int peer, ulong height, string reason)
    {
        _metrics.Failure("sync_rejected");
        _observer?.OnSyncRejected(peer, height, reason);
    }

    /// <summary>Offers a client transaction to the mempool (and, if new, to the peers' mempools).</summary>
    public async ValueTask<SubmitStatus> SubmitAsync(Transaction tx, CancellationToken ct) => (await SubmitManyAsync([tx], ct))[0];

    /// <summary>Offers many transactions at once; one status per transaction, in order.</summary>
    public async ValueTask<SubmitStatus[]> SubmitManyAsync(IReadOnlyList<Transaction> txs, CancellationToken ct)
    {
        Session? s = _session;
        if (s is null || s.Stop.IsCancellationRequested)
        {
            return Unavailable(txs.Count);
        }

        TxHistory history;
        try
        {
            history = await LookUpAsync(s, txs, ct);
        }
        catch (Exception ex) when (IsStorageFailure(ex))
        {
            return Unavailable(txs.Count);
        }

        long now = _time.GetTimestamp();
        foreach (Transaction tx in txs)
        {
            _submittedAt.TryAdd(tx.Hash, now);
        }

        var reply = new TaskCompletionSource<SubmitStatus[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!await PostAsync(s, new TransactionBatchInput(txs, reply, FromPeer: false, history), ct))
        {
            return Unavailable(txs.Count);
        }

        return await reply.Task.WaitHereAsync(ct);
    }

    /// <summary>Completes when the transaction is committed and durable on this node.</summary>
    public Task<CommitInfo> WaitForCommitAsync(Hash32 txHash, CancellationToken ct) => _waiters.WaitAsync(_store, txHash, ct);

    /// <summary>A stream of committed blocks for one subscriber; slow subscribers lose the oldest events, never block consensus.</summary>
    public IAsyncEnumerable<BlockEvent> SubscribeAsync(CancellationToken ct) => _blocks.SubscribeAsync(ct);

    public async ValueTask DisposeAsync()
    {
        if (_disposing.IsCancellationRequested)
        {
            return;
        }

        _disposing.Cancel();
        if (_supervisor is not null)
        {
            await _supervisor;
        }

        if (_backfillTask is not null)
        {
            await _backfillTask;
        }

        _waiters.CancelAll();
        _stopped.TrySetResult();
        _disposing.Dispose();
    }

    /// <summary>Runs sessions one after the other: a storage failure ends one, and the next starts from what is durable.</summary>
    private async Task SuperviseAsync(Session session)
    {
        // Attempts in a row that wrote nothing: each doubles the wait before the next, up to MaxRecoveryDelay.
        int failedInARow = 0;
        while (true)
        {
            Exception? failure = await RunSessionAsync(session);
            _session = null;
            failedInARow = session.Stored ? 0 : failedInARow + 1;
            if (_disposing.IsCancellationRequested)
            {
                return;
            }

            if (failure is null || !IsStorageFailure(failure))
            {
                Exception reason = failure ?? new InvariantViolationException("consensus stopped without a reason");
                LogStopped(reason, (reason as InvariantViolationException)?.Evidence?.Description ?? "");
                _observer?.OnStopped(reason);
                _waiters.CancelAll();
                _stopped.TrySetException(reason);
                return;
            }

            LogRecovering(failure);
            _metrics.Failure("storage");
            _observer?.OnRecovering(failure);
            Session? next = null;
            while (next is null)
            {
                try
                {
                    await Task.Delay(RecoveryDelay(failedInARow), _time, _disposing.Token);
                    next = await OpenSessionAsync(_disposing.Token);
                }
                catch (OperationCanceledException) when (_disposing.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex) when (IsStorageFailure(ex))
                {
                    failedInARow++;
                    LogRecovering(ex);
                }
                catch (Exception ex)
                {
                    LogStopped(ex, (ex as InvariantViolationException)?.Evidence?.Description ?? "");
                    _observer?.OnStopped(ex);
                    _stopped.TrySetException(ex);
                    return;
                }
            }

            session = next;
            _session = session;
        }
    }

    /// <summary>RecoveryDelay × 2^(attempts − 1), at most MaxRecoveryDelay.</summary>
    private TimeSpan RecoveryDelay(int failedInARow)
    {
        double factor = Math.Pow(2, Math.Clamp(failedInARow - 1, 0, 20));
        return TimeSpan.FromTicks((long)Math.Min(_options.RecoveryDelay.Ticks * factor, Math.Max(_options.RecoveryDelay.Ticks, _options.MaxRecoveryDelay.Ticks)));
    }

    /// <summary>The store failing under us, as opposed to a bug or a broken invariant: worth starting again from what it holds.</summary>
    private static bool IsStorageFailure(Exception ex) =>
        ex is (StorageException and not BlockRejectedException) or System.Data.Common.DbException or IOException;

    /// <summary>Reads what a (re)started replica needs from the store: its tip, the last blocks, the consensus record.</summary>
    private async Task<Session> OpenSessionAsync(CancellationToken ct)
    {
        ChainTip tip = await _store.GetTipAsync(ct);
        var recent = new List<(CommittedBlock, Hash32)>();
        // At least one checkpoint interval: the replica re-announces the last checkpoint among these blocks, which is
        // what lets a cluster restarted on restored stores commit again (Replica.AnnounceRestartCheckpoint).
        ulong horizon = (ulong)Math.Max(_genesis.Parameters.DedupHorizonBlocks, _genesis.Parameters.CheckpointInterval);
        for (ulong h = tip.Height > horizon ? tip.Height - horizon + 1 : 1; h <= tip.Height; h += PeerMessage.MaxSyncBlocks)
        {
            foreach (StoredBlock b in await _store.GetBlocksAsync(h, PeerMessage.MaxSyncBlocks, ct))
            {
                recent.Add((new CommittedBlock(b.Block, b.Certificate), b.StateRootAfter));
            }
        }

        ChainPosition position = ChainPosition.FromRecent(_genesis, recent);
        var replica = new Replica(_genesis, _signer, _options.Replica, position);
        IReadOnlyList<ConsensusRecordEntry> record = await _store.ReadConsensusRecordAsync(ct);
        replica.Restore(record.Select(e => RecordEntry.FromBytes(e.Data)));
        var session = new Session(replica, tip, Math.Max(1, _genesis.Parameters.DedupHorizonBlocks / 2), _store.StateNodes, _disposing.Token);
        session.LastStatus = replica.Status;
        PublishSnapshot(replica.Status);
        LogStarted(tip.Height, replica.View, record.Count);
        return session;
    }

    /// <summary>Runs one session's loop, writer and ticker until the first of them fails or the runtime is disposed; returns the failure.</summary>
    private async Task<Exception?> RunSessionAsync(Session s)
    {
        await Task.WhenAll(RunLoopAsync(s), RunWriterAsync(s), RunTickerAsync(s));
        s.Dispose();
        return s.Fault;
    }

    /// <summary>Posts to the session's loop; false when that session has ended.</summary>
    private static async ValueTask<bool> PostAsync(Session s, NodeInput input, CancellationToken ct)
    {
        try
        {
            await s.Inbox.Writer.WriteAsync(input, ct);
            return true;
        }
        catch (ChannelClosedException)
        {
            return false;
        }
    }

    /// <summary>
    /// What the tx index says about <paramref name="txs"/>. The written height is read first, so the index read after
    /// it holds at least every block up to it: the answer is exact up to that height.
    /// </summary>
    private async Task<TxHistory> LookUpAsync(Session s, IReadOnlyList<Transaction> txs, CancellationToken ct)
    {
        ulong through = s.WrittenHeight;
        if (_options.UnsafeIgnoreTxIndex)
        {
            return new TxHistory(through, TxHistory.None.Committed);
        }

        var hashes = new Hash32[txs.Count];
        for (int i = 0; i < hashes.Length; i++)
        {
            hashes[i] = txs[i].Hash;
        }

        // The index's lowest height is read before the lookup: it only moves down, so the answer is exact from there.
        ulong from = _backfill?.FirstHeight ?? 0;
        IReadOnlySet<Hash32> committed = await _store.FindAppliedTxsAsync(hashes, ct);
        return new TxHistory(through, committed) { IndexedFrom = from };
    }

    private static SubmitStatus[] Unavailable(int count)
    {
        var statuses = new SubmitStatus[count];
        Array.Fill(statuses, SubmitStatus.Unavailable);
        return statuses;
    }

    private async Task RunTickerAsync(Session s)
    {
        try
        {
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(_options.TickMs), _time);
            while (await timer.WaitForNextTickAsync(s.Stop.Token))
            {
                // A full inbox means the loop is busy; a missed tick only delays timers.
                s.Inbox.Writer.TryWrite(TickInput.Instance);
            }
        }
        catch (OperationCanceledException) when (s.Stop.IsCancellationRequested)
        {
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
            s.CommittedHeight != previous.Height ? _time.GetUtcNow() : previous.LastCommitAt);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "consensus started at height {Height}, view {View}, {RecordEntries} record entries replayed")]
    private partial void LogStarted(ulong height, ulong view, int recordEntries);

    [LoggerMessage(Level = LogLevel.Error, Message = "consensus stopped: storage failed; nothing undurable was sent, it starts again from the store")]
    private partial void LogRecovering(Exception ex);

    [LoggerMessage(Level = LogLevel.Critical, Message = "consensus stopped for good: an invariant broke ({Evidence})")]
    private partial void LogStopped(Exception ex, string evidence);
}
