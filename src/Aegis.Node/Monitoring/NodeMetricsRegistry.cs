using Microsoft.Extensions.Logging;
using Prometheus;

namespace Aegis.Node.Monitoring;

/// <summary>
/// What <c>/metrics</c> serves: one prometheus-net registry holding the node's meters (through
/// <see cref="PrometheusMeterBridge"/>) and prometheus-net's process and GC metrics (<c>process_cpu_seconds_total</c>,
/// <c>process_working_set_bytes</c>, <c>process_open_handles</c>, <c>dotnet_collection_count_total</c>,
/// <c>dotnet_total_memory_bytes</c>, …).
/// </summary>
public sealed class NodeMetricsRegistry : IDisposable
{
    private static readonly Lazy<bool> DefaultsSuppressed = new(() =>
    {
        // prometheus-net's static default registry would otherwise start its own MeterAdapter and EventCounter
        // listeners, measuring every instrument a second time for a registry nobody serves.
        Metrics.SuppressDefaultMetrics();
        return true;
    });

    private readonly PrometheusMeterBridge _bridge;

    public NodeMetricsRegistry(SeriesPolicy policy, ILogger? logger = null)
    {
        _ = DefaultsSuppressed.Value;
        Registry = Metrics.NewCustomRegistry();
        DotNetStats.Register(Registry);
        _bridge = new PrometheusMeterBridge(Registry, policy, logger: logger);
    }

    public CollectorRegistry Registry { get; }

    public IReadOnlyDictionary<string, string> ExportedNames => _bridge.ExportedNames;

    /// <summary>The exposition text, as a scrape would get it (Prometheus text format 0.0.4).</summary>
    public async Task<string> RenderAsync(CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        await Registry.CollectAndExportAsTextAsync(buffer, ct);
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    public void Dispose() => _bridge.Dispose();
}
