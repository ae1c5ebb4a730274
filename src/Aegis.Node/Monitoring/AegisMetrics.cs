using System.Diagnostics.Metrics;
using Aegis.Core.Consensus;

namespace Aegis.Node.Monitoring;

/// <summary>
/// Every metric name in the contract, in one place. Gauges read live values through callbacks. Exported by
/// <see cref="PrometheusMeterBridge"/>; <see cref="Series"/> declares which label values each may carry.
/// </summary>
public sealed class AegisMetrics : IDisposable
{
    public const string MeterName = "Aegis.Node";

    private readonly Meter _meter;

    public AegisMetrics(string nodeId, Func<NodeGauges> gauges, Func<ReadinessState>? readiness = null)
    {
        _meter = new Meter(MeterName, Aegis.Core.AegisVersion.Value);
        _meter.CreateObservableGauge("aegis_block_height", () => gauges().Height, description: "Height of the last committed block");
        _meter.CreateObservableGauge("aegis_consensus_view", () => gauges().View, description: "Current PBFT view");
        _meter.CreateObservableGauge("aegis_mempool_size", () => gauges().MempoolSize, description: "Transactions waiting to commit");
        _meter.CreateObservableGauge("aegis_p2p_connected_peers", () => gauges().ConnectedPeers, description: "Authenticated peer connections");
        _meter.CreateObservableGauge("aegis_consensus_validators", () => gauges().Validators, description: "Validators in the genesis validator set (n)");
        _meter.CreateObservableGauge("aegis_consensus_quorum", () => gauges().Quorum, description: "Validators (this node included) that must agree to commit: 2f+1 when n = 3f+1");
        _meter.CreateObservableGauge("aegis_history_missing_blocks", () => gauges().HistoryMissing, description: "Blocks below the lowest one stored: 0 with the whole history; a snapshot-joined node counts down while it backfills (storage.keep_history)");
        _meter.CreateObservableGauge("aegis_node_info", () => new Measurement<int>(1, new KeyValuePair<string, object?>("node_id", nodeId), new KeyValuePair<string, object?>("version", Aegis.Core.AegisVersion.Value)), description: "Constant 1, labelled with the node id and version");
        if (readiness is not null)
        {
            _meter.CreateObservableGauge(
                "aegis_node_ready",
                () => readiness() is var r ? new Measurement<int>(r.IsReady ? 1 : 0, new KeyValuePair<string, object?>("reason", r.Reason)) : default,
                description: "1 while /ready answers 200 (reason=\"ready\"), else 0 with the reason /ready gives: starting, syncing, no_quorum, disk_full, storage_failed, store_corrupt");
        }

        ViewChanges = _meter.CreateCounter<long>("aegis_consensus_view_changes_total", description: "Views installed after a view change");
        Failures = _meter.CreateCounter<long>("aegis_consensus_failures_total", description: "Misbehaviour evidence and rejected consensus messages, by kind");
        TxsCommitted = _meter.CreateCounter<long>("aegis_txs_committed_total", description: "Transactions committed");
        CommitLatency = _meter.CreateHistogram("aegis_commit_latency_seconds", unit: "s", description: "Submit to commit, for transactions submitted to this node", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = HistogramBuckets.Latency });
        BytesSent = _meter.CreateCounter<long>("aegis_p2p_bytes_sent_total", description: "Bytes sent to peers");
        BytesReceived = _meter.CreateCounter<long>("aegis_p2p_bytes_received_total", description: "Bytes received from peers");
        PeerRtt = _meter.CreateHistogram("aegis_p2p_peer_rtt_seconds", unit: "s", description: "Heartbeat round-trip time to peers (observers together as peer=\"observer\")", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = HistogramBuckets.NetworkRoundTrip });
        StorageCommit = _meter.CreateHistogram("aegis_storage_commit_seconds", unit: "s", description: "Time to store and execute one block durably", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = HistogramBuckets.Storage });
        StorageWriteFailures = _meter.CreateCounter<long>("aegis_storage_write_failures_total", description: "Storage writes that failed (nothing of them was written), by reason: disk_full, store_corrupt, rejected, error");
        StorageReadFailures = _meter.CreateCounter<long>("aegis_storage_read_failures_total", description: "Storage reads that failed, by reason: store_corrupt (stored data does not decode or the database is malformed), error");
        StorageIntegrityFailures = _meter.CreateCounter<long>("aegis_storage_integrity_failures_total", description: "Stored data found not to match its certified hashes, by check: start (the start-time check of the recent history and state), read (a block read for the API, a peer or recovery)");
    }

    /// <summary>The values of <c>aegis_consensus_failures_total{kind}</c>: evidence kinds and the runtime's and network's rejections.</summary>
    public static IReadOnlyList<string> FailureKinds { get; } =
        [.. Enum.GetNames<EvidenceKind>(), "invalid_message", "protocol_violation", "malformed_message", "oversized_outgoing"];

    public Counter<long> ViewChanges { get; }

    public Counter<long> Failures { get; }

    public Counter<long> TxsCommitted { get; }

    public Histogram<double> CommitLatency { get; }

    public Counter<long> BytesSent { get; }

    public Counter<long> BytesReceived { get; }

    public Histogram<double> PeerRtt { get; }

    public Histogram<double> StorageCommit { get; }

    public Counter<long> StorageWriteFailures { get; }

    public Counter<long> StorageReadFailures { get; }

    public Counter<long> StorageIntegrityFailures { get; }

    /// <summary>
    /// Every labelled value the node's series may take, and the counters exported at zero from the start (so the first
    /// view change, failure or refused peer is an <c>increase()</c> the alert rules see). Peers outside the validator
    /// set — observers, whoever connects — share <c>peer="observer"</c>.
    /// </summary>
    public static SeriesPolicy Series(IEnumerable<string> validatorIds) => new SeriesPolicy()
        .Declare("aegis_consensus_view_changes_total")
        .Declare("aegis_consensus_failures_total", new LabelDomain("kind", FailureKinds))
        .Declare("aegis_auth_failures_total", new LabelDomain("reason", Aegis.Network.SecureTransport.AuthFailureReasons))
        .Declare("aegis_p2p_connections_refused_total", new LabelDomain("reason", Aegis.Network.SecureTransport.RefusalReasons))
        .Declare("aegis_api_auth_failures_total", new LabelDomain("reason", Aegis.Node.Security.ApiAuthentication.FailureReasons))
        .Declare("aegis_api_rate_limited_total")
        .Declare("aegis_txs_committed_total")
        .Declare("aegis_p2p_bytes_sent_total")
        .Declare("aegis_p2p_bytes_received_total")
        .Declare("aegis_commit_latency_seconds")
        .Declare("aegis_storage_commit_seconds")
        .Declare("aegis_storage_write_failures_total", new LabelDomain("reason", StorageHealth.WriteReasons, fallback: StorageHealth.Error))
        .Declare("aegis_storage_read_failures_total", new LabelDomain("reason", StorageHealth.ReadReasons, fallback: StorageHealth.Error))
        .Declare("aegis_storage_integrity_failures_total", new LabelDomain("check", StorageHealth.IntegrityChecks, fallback: StorageHealth.ReadCheck))
        .Bound("aegis_p2p_peer_rtt_seconds", new LabelDomain("peer", validatorIds, fallback: "observer"))
        .Bound("aegis_node_ready", new LabelDomain("reason", ReadinessState.Reasons));

    public void Dispose() => _meter.Dispose();
}

/// <summary>Live values the gauges read at scrape time.</summary>
/// <param name="HistoryMissing">blocks below the lowest stored one (a snapshot-joined store before or without backfill)</param>
public readonly record struct NodeGauges(long Height, long View, int MempoolSize, int ConnectedPeers, int Validators, int Quorum, long HistoryMissing = 0);
