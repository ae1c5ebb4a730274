using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace Aegis.Node.Monitoring;

/// <summary>
/// Renders <see cref="System.Diagnostics.Metrics"/> instruments in the Prometheus text exposition format (0.0.4).
/// There is no Prometheus exporter package here, and a MeterListener is all it takes: counters are summed, gauges
/// keep their last value, histograms count into fixed buckets, each per tag set.
/// </summary>
public sealed class PrometheusExporter : IDisposable
{
    /// <summary>Bucket bounds in seconds, from 0.5 ms (a local commit) to 30 s (a stalled view change).</summary>
    private static readonly double[] SecondsBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<(Instrument Instrument, string Labels), Series> _series = new();
    private readonly string _meterPrefix;

    public PrometheusExporter(string meterPrefix = "Aegis")
    {
        _meterPrefix = meterPrefix;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name.StartsWith(_meterPrefix, StringComparison.Ordinal))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        _listener.Start();
    }

    public string Render()
    {
        _listener.RecordObservableInstruments();
        var sb = new StringBuilder(4096);
        foreach (IGrouping<Instrument, KeyValuePair<(Instrument Instrument, string Labels), Series>> group in _series.GroupBy(kv => kv.Key.Instrument).OrderBy(g => g.Key.Name, StringComparer.Ordinal))
        {
            Instrument instrument = group.Key;
            string name = instrument.Name;
            string type = instrument switch
            {
                Counter<long> or Counter<double> or ObservableCounter<long> or ObservableCounter<double> => "counter",
                Histogram<double> or Histogram<long> => "histogram",
                _ => "gauge",
            };
            if (!string.IsNullOrEmpty(instrument.Description))
            {
                sb.Append("# HELP ").Append(name).Append(' ').Append(Escape(instrument.Description)).Append('\n');
            }

            sb.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
            foreach ((var key, Series series) in group.OrderBy(kv => kv.Key.Labels, StringComparer.Ordinal))
            {
                series.Write(sb, name, key.Labels, type == "histogram");
            }
        }

        return sb.ToString();
    }

    public void Dispose() => _listener.Dispose();

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        string labels = FormatLabels(tags);
        bool histogram = instrument is Histogram<double> or Histogram<long>;
        Series series = _series.GetOrAdd((instrument, labels), _ => new Series(histogram ? SecondsBuckets : null));
        switch (instrument)
        {
            case Counter<long> or Counter<double> or UpDownCounter<long> or UpDownCounter<double>:
                series.Add(value);
                break;
            case Histogram<double> or Histogram<long>:
                series.Observe(value);
                break;
            default:
                series.Set(value);
                break;
        }
    }

    private static string FormatLabels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.Length == 0)
        {
            return "";
        }

        var parts = new List<string>(tags.Length);
        foreach (KeyValuePair<string, object?> tag in tags)
        {
            parts.Add($"{tag.Key}=\"{Escape(Convert.ToString(tag.Value, CultureInfo.InvariantCulture) ?? "")}\"");
        }

        parts.Sort(StringComparer.Ordinal);
        return string.Join(',', parts);
    }

    private static string Escape(string s) => s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private static string Number(double v) =>
        double.IsPositiveInfinity(v) ? "+Inf" : v.ToString("G17", CultureInfo.InvariantCulture);

    private sealed class Series(double[]? buckets)
    {
        private readonly Lock _lock = new();
        private readonly long[]? _bucketCounts = buckets is null ? null : new long[buckets.Length];
        private double _value;
        private double _sum;
        private long _count;

        public void Add(double v)
        {
            lock (_lock)
            {
                _value += v;
            }
        }

        public void Set(double v)
        {
            lock (_lock)
            {
                _value = v;
            }
        }

        public void Observe(double v)
        {
            lock (_lock)
            {
                _sum += v;
                _count++;
                for (int i = 0; i < buckets!.Length; i++)
                {
                    if (v <= buckets[i])
                    {
                        _bucketCounts![i]++;
                        break;
                    }
                }
            }
        }

        public void Write(StringBuilder sb, string name, string labels, bool histogram)
        {
            lock (_lock)
            {
                if (!histogram)
                {
                    sb.Append(name).Append(labels.Length > 0 ? $"{{{labels}}}" : "").Append(' ').Append(Number(_value)).Append('\n');
                    return;
                }

                long cumulative = 0;
                string sep = labels.Length > 0 ? labels + "," : "";
                for (int i = 0; i < buckets!.Length; i++)
                {
                    cumulative += _bucketCounts![i];
                    sb.Append(name).Append("_bucket{").Append(sep).Append("le=\"").Append(Number(buckets[i])).Append("\"} ").Append(cumulative).Append('\n');
                }

                sb.Append(name).Append("_bucket{").Append(sep).Append("le=\"+Inf\"} ").Append(_count).Append('\n');
                string suffix = labels.Length > 0 ? $"{{{labels}}}" : "";
                sb.Append(name).Append("_sum").Append(suffix).Append(' ').Append(Number(_sum)).Append('\n');
                sb.Append(name).Append("_count").Append(suffix).Append(' ').Append(_count).Append('\n');
            }
        }
    }
}
