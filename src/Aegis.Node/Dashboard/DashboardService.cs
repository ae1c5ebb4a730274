using Aegis.Core.Consensus;
using Aegis.Node.Api;
using Aegis.Node.Configuration;
using Aegis.Node.Monitoring;
using Aegis.Network;
using Aegis.Node.Runtime;
using Microsoft.Extensions.Logging;

namespace Aegis.Node.Dashboard;

/// <summary>
/// Builds the dashboard's picture once a second: this node's runtime, its peers over P2P, the configured peers' own
/// /status and /ready, throughput and latency, view changes and firing alerts. Every page (and every SSE stream)
/// reads the same immutable <see cref="DashboardSnapshot"/>, so a hundred open tabs cost one tick.
/// </summary>
public sealed partial class DashboardService : IAsyncDisposable
{
    public const int SeriesLength = 180;
    private const int MaxViewChanges = 50;

    /// <summary>A peer whose API has not answered for this long is not counted as reachable.</summary>
    private const long StaleAfterMs = 3_000;

    /// <summary>Right after start no peer is connected yet; nobody is called down before this much time has passed.</summary>
    private const long WarmUpMs = 5_000;

    private static readonly TimeSpan TickPeriod = TimeSpan.FromSeconds(1);

    private readonly NodeServices _node;
    private readonly int _self;
    private readonly int _viewChangeTimeoutMs;
    private readonly ILogger _logger;
    private readonly ClusterPoller _poller;
    private readonly CommitLatencyRecorder _commitLatency = new();
    private readonly LatencyWindow _blockLatency = new();
    private readonly AlertRules _alerts = new();
    private readonly Queue<RatePoint> _series = new();
    private readonly List<ViewChangeRecord> _viewChanges = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly long _startedMs = Now();
    private volatile DashboardSnapshot _snapshot;
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _ticker;
    private Task? _blocks;
    private long _lastTickMs;
    private long _lastTxs;
    private ulong _lastHeight;
    private ulong _lastView;

    public DashboardService(NodeServices node, int self, DashboardSection options, int viewChangeTimeoutMs, ILogger<DashboardService> logger)
    {
        _node = node;
        _self = self;
        _viewChangeTimeoutMs = viewChangeTimeoutMs;
        _logger = logger;
        _poller = new ClusterPoller(options.PeerApiUrls, options.PeerCaFile);
        NodeSnapshot s = node.Runtime.Snapshot;
        (_lastTickMs, _lastTxs, _lastHeight, _lastView) = (_startedMs, node.Runtime.TxsCommitted, s.Height, s.View);
        _snapshot = Build(_startedMs);
    }

    public DashboardSnapshot Snapshot => _snapshot;

    public void Start()
    {
        _poller.Start();
        _ticker = Task.Run(() => TickAsync(_stop.Token));
        _blocks = Task.Run(() => FollowBlocksAsync(_stop.Token));
    }

    /// <summary>The first snapshot other than <paramref name="seen"/>: at once if there is one, else at the next tick.</summary>
    public async Task<DashboardSnapshot> NextAsync(DashboardSnapshot? seen, CancellationToken ct)
    {
        while (true)
        {
            Task next = Volatile.Read(ref _next).Task;
            DashboardSnapshot current = _snapshot;
            if (!ReferenceEquals(current, seen))
            {
                return current;
            }

            await next.WaitAsync(ct);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        foreach (Task? t in new[] { _ticker, _blocks })
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

        await _poller.DisposeAsync();
        _commitLatency.Dispose();
        _stop.Dispose();
        Volatile.Read(ref _next).TrySetCanceled();
    }

    private static long Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private async Task TickAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(TickPeriod);
        while (await timer.WaitForNextTickAsync(ct))
        {
            try
            {
                _snapshot = Build(Now());
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The dashboard must never take the node down; a failed tick is logged and the next one tries again.
                LogTickFailed(ex);
                continue;
            }

            Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }
    }

    /// <summary>Proposal → commit on this node, for every block (the proposer's timestamp against this node's clock).</summary>
    private async Task FollowBlocksAsync(CancellationToken ct)
    {
        await foreach (BlockEvent e in _node.Runtime.SubscribeAsync(ct))
        {
            long latency = Now() - e.TimestampMs;

            // Blocks fetched while catching up are old news, not latency.
            if (latency is >= 0 and < 60_000)
            {
                _blockLatency.Record(latency);
            }
        }
    }

    private DashboardSnapshot Build(long now)
    {
        INodeRuntime runtime = _node.Runtime;
        Genesis genesis = runtime.Genesis;
        NodeSnapshot s = runtime.Snapshot;
        IReadOnlyList<PeerInfo> peers = _node.Network.Peers;
        ReadinessState readiness = _node.Readiness.Evaluate();
        string? notReady = readiness.Message;
        string sync = readiness.SyncStatus;

        RecordRates(now, s, runtime.TxsCommitted);
        if (s.View != _lastView)
        {
            _viewChanges.Add(new ViewChangeRecord(now, _lastView, s.View, s.Height, genesis.Validators[genesis.Validators.PrimaryOf(s.View)].Id));
            if (_viewChanges.Count > MaxViewChanges)
            {
                _viewChanges.RemoveAt(0);
            }

            _lastView = s.View;
        }

        List<ValidatorView> validators = [.. genesis.Validators.All.Select(v => ViewOf(v, now, s, notReady, sync, peers))];
        ulong clusterHeight = validators.Where(v => v.Health is "up" or "degraded" && v.Height is not null).Select(v => v.Height!.Value).DefaultIfEmpty(s.Height).Max();
        int connectedValidators = peers.Count(p => p.Role == "validator");
        IReadOnlyList<FiringAlert> alerts = _alerts.Evaluate(new AlertInputs(
            now, s.Height, s.MempoolSize, s.LastCommitAt.ToUnixTimeMilliseconds(), s.InViewChange, sync, s.HighestPeerHeight,
            notReady, connectedValidators, genesis.Validators.Count, _viewChangeTimeoutMs, validators, _viewChanges));

        var node = new NodeView(
            _node.NodeId, genesis.ChainId, Aegis.Core.AegisVersion.Value, s.Height, s.View, genesis.Validators[s.Leader].Id, s.InViewChange, sync,
            notReady is null, notReady, s.MempoolSize, peers.Count, s.ViewChanges, runtime.TxsCommitted,
            Math.Max(0, now - s.LastCommitAt.ToUnixTimeMilliseconds()), s.HighestPeerHeight);
        return new DashboardSnapshot(
            now, node, clusterHeight, clusterHeight > s.Height ? clusterHeight - s.Height : 0, validators,
            [.. peers.Where(p => p.Role != "validator").Select(p => new ObserverView(p.Id, p.Address))],
            [.. _series], [.. _viewChanges], alerts);
    }

    private void RecordRates(long now, NodeSnapshot s, long txs)
    {
        double seconds = (now - _lastTickMs) / 1000.0;
        if (seconds <= 0)
        {
            return;
        }

        List<double> commit = _commitLatency.Window.Take();
        List<double> block = _blockLatency.Take();
        _series.Enqueue(new RatePoint(
            now,
            s.Height,
            Math.Round(Math.Max(0, txs - _lastTxs) / seconds, 1),
            Math.Round((s.Height > _lastHeight ? s.Height - _lastHeight : 0) / seconds, 2),
            LatencyWindow.Percentile(commit, 50),
            LatencyWindow.Percentile(commit, 99),
            block.Count == 0 ? null : Math.Round(block.Average(), 1)));
        while (_series.Count > SeriesLength)
        {
            _series.Dequeue();
        }

        (_lastTickMs, _lastTxs, _lastHeight) = (now, txs, s.Height);
    }

    private ValidatorView ViewOf(Validator v, long now, NodeSnapshot s, string? notReady, string sync, IReadOnlyList<PeerInfo> peers)
    {
        string role = v.Index == s.Leader ? "primary" : "replica";
        if (v.Index == _self)
        {
            return new ValidatorView(v.Index, v.Id, true, role, notReady is null ? "up" : "degraded", notReady, s.Height, s.View, peers.Count, sync, null, null, null, 0);
        }

        PeerInfo? peer = peers.FirstOrDefault(p => p.Validator == v.Index);
        PeerObservation? api = _poller.Latest.FirstOrDefault(o => o.NodeId == v.Id);
        long? seenAgo = api?.LastOkAt is { } ok ? now - ok.ToUnixTimeMilliseconds() : null;
        bool fresh = seenAgo < StaleAfterMs;
        (string health, string? reason) = (fresh, peer is not null) switch
        {
            (true, _) when api!.Ready == true => ("up", null),
            (true, _) => ("degraded", api!.NotReadyReason ?? "not ready"),
            (false, true) when api is not null => ("degraded", $"connected over P2P, but its API does not answer ({api.LastError})"),
            // A configured URL that never answered may be this validator's: its node id is learnt from its first answer.
            (false, true) when _poller.Latest.Where(o => o.NodeId is null).Select(o => o.Url).ToList() is { Count: > 0 } silent =>
                ("degraded", $"connected over P2P, but no configured API URL has answered as this validator (never answered: {string.Join(", ", silent)})"),
            (false, true) => ("up", "seen over P2P (no API URL configured for it)"),
            _ when now - _startedMs < WarmUpMs => ("unknown", "starting: not connected yet"),
            _ => ("down", api is null ? "no P2P connection" : $"no P2P connection, API: {api.LastError}"),
        };
        PeerStatusJson? status = api?.Status;
        return new ValidatorView(
            v.Index, v.Id, false, role, health, reason, status?.BlockHeight, status?.View, status?.Peers, status?.SyncStatus,
            peer is not null, peer?.RttSeconds * 1000, api?.Url, seenAgo);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "dashboard tick failed; retrying next second")]
    private partial void LogTickFailed(Exception ex);
}
