using System.Diagnostics.Metrics;

namespace Aegis.Node.Monitoring;

/// <summary>
/// Bucket bounds for an exported histogram: the instrument's own advice
/// (<see cref="InstrumentAdvice{T}.HistogramBucketBoundaries"/>) when it gives one, otherwise by unit.
/// </summary>
public static class HistogramBuckets
{
    /// <summary>0.5 ms (a local commit on an idle node) to 30 s (a commit held up by view changes).</summary>
    public static readonly double[] Latency = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

    /// <summary>100 µs (an fsync on a fast SSD) to 5 s (a disk that is failing or full).</summary>
    public static readonly double[] Storage = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

    /// <summary>50 µs (loopback) to 2 s (a peer across an ocean on a congested link).</summary>
    public static readonly double[] NetworkRoundTrip = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2];

    /// <summary>64 B to 64 MiB in powers of four.</summary>
    public static readonly double[] Bytes = [64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];

    public static double[] For(Instrument instrument)
    {
        IReadOnlyList<double>? advised = instrument switch
        {
            Histogram<double> h => h.Advice?.HistogramBucketBoundaries,
            Histogram<float> h => h.Advice?.HistogramBucketBoundaries?.Select(v => (double)v).ToList(),
            Histogram<long> h => h.Advice?.HistogramBucketBoundaries?.Select(v => (double)v).ToList(),
            Histogram<int> h => h.Advice?.HistogramBucketBoundaries?.Select(v => (double)v).ToList(),
            _ => null,
        };
        if (advised is { Count: > 0 })
        {
            return [.. advised];
        }

        return instrument.Unit switch
        {
            "s" => Latency,
            "By" => Bytes,
            _ => Prometheus.Histogram.ExponentialBuckets(1, 2, 16),
        };
    }
}
