namespace Aegis.Node.Dashboard;

/// <summary>Latency measurements (milliseconds) collected between two dashboard ticks. Thread-safe.</summary>
public sealed class LatencyWindow
{
    // A second of heavy load commits a few thousand transactions; past this many, the rest of the second is dropped.
    private const int MaxPerWindow = 16_384;

    private readonly Lock _lock = new();
    private List<double> _current = [];

    public void Record(double milliseconds)
    {
        lock (_lock)
        {
            if (_current.Count < MaxPerWindow)
            {
                _current.Add(milliseconds);
            }
        }
    }

    /// <summary>The measurements since the last call, sorted.</summary>
    public List<double> Take()
    {
        List<double> taken;
        lock (_lock)
        {
            taken = _current;
            _current = [];
        }

        taken.Sort();
        return taken;
    }

    /// <summary>The nearest-rank percentile of sorted values; null when there is nothing to rank.</summary>
    public static double? Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? null : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];
}
