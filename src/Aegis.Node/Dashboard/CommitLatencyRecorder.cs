using System.Diagnostics.Metrics;
using Aegis.Node.Monitoring;

namespace Aegis.Node.Dashboard;

/// <summary>
/// Listens to the node's own <c>aegis_commit_latency_seconds</c> histogram (submit → commit, for transactions
/// submitted to this node) and collects it per dashboard tick. The page charts what the metric measures, so the
/// dashboard and Prometheus never disagree about what "commit latency" means. (One node per process: the listener
/// sees every meter named <see cref="AegisMetrics.MeterName"/>.)
/// </summary>
public sealed class CommitLatencyRecorder : IDisposable
{
    private const string Instrument = "aegis_commit_latency_seconds";

    private readonly MeterListener _listener = new();

    public CommitLatencyRecorder()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == AegisMetrics.MeterName && instrument.Name == Instrument)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<double>((_, seconds, _, _) => Window.Record(seconds * 1000));
        _listener.Start();
    }

    public LatencyWindow Window { get; } = new();

    public void Dispose() => _listener.Dispose();
}
