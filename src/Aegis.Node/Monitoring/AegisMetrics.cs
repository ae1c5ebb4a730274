using System.Diagnostics.Metrics;

namespace Aegis.Node.Monitoring;

/// <summary>Every metric name in the contract, in one place. Gauges read live values through callbacks.</summary>
public sealed class AegisMetrics : IDisposable
{
    public const string MeterName = "Aegis.Node";

    private readonly Meter _meter;

    public AegisMetrics(string nodeId, Func<NodeGauges> gauges)
    {
        _meter = new Meter(MeterName, Aegis.Core.AegisVersion.Value);
        _meter.CreateObservableGauge("aegis_block_height", () => gauges().Height, description: "Height of the last committed block");
        _meter.CreateObservableGauge("aegis_consensus_view", () => gauges().View, description: "Current PBFT view");
        _meter.CreateObservableGauge("aegis_mempool_size", () => gauges().MempoolSize, description: "Transactions waiting to commit");
        _meter.CreateObservableGauge("aegis_p2p_connected_peers", () => gauges().ConnectedPeers, description: "Authenticated peer connections");
        _meter.CreateObservableGauge("aegis_node_info", () => new Measurement<int>(1, new KeyValuePair<string, object?>("node_id", nodeId), new KeyValuePair<string, object?>("version", Aegis.Core.AegisVersion.Value)), description: "Constant 1, labelled with the node id and version");
        ViewChanges = _meter.CreateCounter<long>("aegis_consensus_view_changes_total", description: "Views installed after a view change");
        Failures = _meter.CreateCounter<long>("aegis_consensus_failures_total", description: "Misbehaviour evidence and rejected consensus messages, by kind");
        TxsCommitted = _meter.CreateCounter<long>("aegis_txs_committed_total", description: "Transactions committed");
        CommitLatency = _meter.CreateHistogram<double>("aegis_commit_latency_seconds", unit: "s", description: "Submit to commit, for transactions submitted to this node");
        BytesSent = _meter.CreateCounter<long>("aegis_p2p_bytes_sent_total", description: "Bytes sent to peers");
        BytesReceived = _meter.CreateCounter<long>("aegis_p2p_bytes_received_total", description: "Bytes received from peers");
        PeerRtt = _meter.CreateHistogram<double>("aegis_p2p_peer_rtt_seconds", unit: "s", description: "Heartbeat round-trip time to peers");
        StorageCommit = _meter.CreateHistogram<double>("aegis_storage_commit_seconds", unit: "s", description: "Time to store and execute one block durably");
    }

    public Counter<long> ViewChanges { get; }

    public Counter<long> Failures { get; }

    public Counter<long> TxsCommitted { get; }

    public Histogram<double> CommitLatency { get; }

    public Counter<long> BytesSent { get; }

    public Counter<long> BytesReceived { get; }

    public Histogram<double> PeerRtt { get; }

    public Histogram<double> StorageCommit { get; }

    public void Dispose() => _meter.Dispose();
}

/// <summary>Live values the gauges read at scrape time.</summary>
public readonly record struct NodeGauges(long Height, long View, int MempoolSize, int ConnectedPeers);
