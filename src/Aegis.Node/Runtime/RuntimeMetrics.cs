using System.Diagnostics.Metrics;

namespace Aegis.Node.Runtime;

/// <summary>
/// The instruments the runtime records into; the host owns and exports them (their names are in the metrics
/// contract). The simulator passes instruments nobody listens to.
/// </summary>
/// <param name="ViewChanges">aegis_consensus_view_changes_total</param>
/// <param name="Failures">aegis_consensus_failures_total, tagged with a "kind"</param>
/// <param name="TxsCommitted">aegis_txs_committed_total</param>
/// <param name="CommitLatency">aegis_commit_latency_seconds (submit to durable commit, for transactions submitted here)</param>
/// <param name="StorageCommit">aegis_storage_commit_seconds (one write group)</param>
public sealed record RuntimeMetrics(Counter<long> ViewChanges, Counter<long> Failures, Counter<long> TxsCommitted, Histogram<double> CommitLatency, Histogram<double> StorageCommit)
{
    internal void Failure(string kind) => Failures.Add(1, new KeyValuePair<string, object?>("kind", kind));

    /// <summary>Instruments on a meter of their own, for hosts that export nothing (the simulator, tests).</summary>
    public static RuntimeMetrics Unexported(Meter meter) => new(
        meter.CreateCounter<long>("aegis_consensus_view_changes_total"),
        meter.CreateCounter<long>("aegis_consensus_failures_total"),
        meter.CreateCounter<long>("aegis_txs_committed_total"),
        meter.CreateHistogram<double>("aegis_commit_latency_seconds"),
        meter.CreateHistogram<double>("aegis_storage_commit_seconds"));
}
