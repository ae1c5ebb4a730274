using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Prometheus;

namespace Aegis.Node.Monitoring;

/// <summary>
/// Publishes the node's <see cref="System.Diagnostics.Metrics"/> instruments as prometheus-net metrics in one
/// registry, which prometheus-net serializes on <c>/metrics</c>. The instruments stay where they are defined
/// (<see cref="AegisMetrics"/>, the network's and the API's own meters); anything on an included meter is exported.
/// <para>
/// prometheus-net's own MeterAdapter is not used because of what it does to the contract (measured on 8.2.1): it
/// prefixes every name with the meter's (<c>aegis_node_aegis_block_height</c>), exports counters as gauges (so
/// <c>promtool check metrics</c> rejects their <c>_total</c>), and drops any series not updated for 5 minutes (a
/// counter that is quiet for a while disappears, then restarts from its next increment: a reset in every
/// <c>rate()</c>). Here names are kept (<see cref="PrometheusNames"/>), counters are counters, series live as long as
/// the instrument, and <see cref="SeriesPolicy"/> bounds them.
/// </para>
/// </summary>
public sealed partial class PrometheusMeterBridge : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly IMetricFactory _factory;
    private readonly SeriesPolicy _policy;
    private readonly Func<Meter, bool> _include;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<Instrument, Export> _exports = new();
    private readonly Lock _collecting = new();
    private volatile bool _disposed;

    /// <param name="registry">Where the metrics go; also the registry whose collections trigger observable callbacks.</param>
    /// <param name="policy">Declared instruments and their label domains.</param>
    /// <param name="include">Which meters are exported (by default the ones whose name starts with "Aegis").</param>
    public PrometheusMeterBridge(CollectorRegistry registry, SeriesPolicy policy, Func<Meter, bool>? include = null, ILogger? logger = null)
    {
        _factory = Metrics.WithCustomRegistry(registry);
        _policy = policy;
        _include = include ?? (m => m.Name.StartsWith("Aegis", StringComparison.Ordinal));
        _logger = logger ?? NullLogger.Instance;
        _listener.InstrumentPublished = OnPublished;
        _listener.SetMeasurementEventCallback<byte>((i, v, tags, state) => Record(state, v, tags));
        _listener.SetMeasurementEventCallback<short>((i, v, tags, state) => Record(state, v, tags));
        _listener.SetMeasurementEventCallback<int>((i, v, tags, state) => Record(state, v, tags));
        _listener.SetMeasurementEventCallback<long>((i, v, tags, state) => Record(state, v, tags));
        _listener.SetMeasurementEventCallback<float>((i, v, tags, state) => Record(state, v, tags));
        _listener.SetMeasurementEventCallback<double>((i, v, tags, state) => Record(state, v, tags));
        _listener.SetMeasurementEventCallback<decimal>((i, v, tags, state) => Record(state, (double)v, tags));
        _listener.Start();
        registry.AddBeforeCollectCallback(CollectObservables);
    }

    /// <summary>The Prometheus name each exported instrument got, for diagnostics and tests.</summary>
    public IReadOnlyDictionary<string, string> ExportedNames =>
        _exports.ToDictionary(kv => $"{kv.Key.Meter.Name}/{kv.Key.Name}", kv => kv.Value.Name, StringComparer.Ordinal);

    public void Dispose()
    {
        _disposed = true;
        _listener.Dispose();
    }

    private static void Record(object? state, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        // The listener's state is the export made when the instrument was published; null only if that failed.
        if (state is Export export)
        {
            export.Record(value, tags);
        }
    }

    private void OnPublished(Instrument instrument, MeterListener listener)
    {
        if (_disposed || !_include(instrument.Meter))
        {
            return;
        }

        try
        {
            var export = new Export(instrument, _factory, _policy.Find(instrument.Name), this);
            _exports[instrument] = export;
            listener.EnableMeasurementEvents(instrument, export);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
        {
            // Two instruments that map to one name with different types or labels: the second is not exported.
            LogNotExported(instrument.Meter.Name, instrument.Name, ex.Message);
        }
    }

    // Observable instruments report on demand: once per scrape, just before prometheus-net serializes the registry.
    private void CollectObservables()
    {
        if (_disposed)
        {
            return;
        }

        lock (_collecting)
        {
            Export[] observable = [.. _exports.Values.Where(e => e.Observable)];
            foreach (Export e in observable)
            {
                e.BeginRound();
            }

            _listener.RecordObservableInstruments();
            foreach (Export e in observable)
            {
                e.EndRound();
            }
        }
    }

    [LoggerMessage(EventId = 900, Level = LogLevel.Warning, Message = "metric {Meter}/{Instrument} is not exported: {Problem}")]
    private partial void LogNotExported(string meter, string instrument, string problem);

    [LoggerMessage(EventId = 901, Level = LogLevel.Warning, Message = "metric {Metric} reached {Max} label sets; further label values are reported as \"other\" (declare its labels in SeriesPolicy)")]
    private partial void LogSeriesCapped(string metric, int max);

    private enum Kind
    {
        CounterDelta,
        CounterCumulative,
        GaugeDelta,
        GaugeValue,
        Histogram,
    }

    /// <summary>One instrument's Prometheus metric and its series.</summary>
    private sealed class Export
    {
        private readonly Kind _kind;
        private readonly LabelDomain[]? _domains;
        private readonly IMetricFactory _factory;
        private readonly Instrument _instrument;
        private readonly PrometheusMeterBridge _owner;
        private readonly ConcurrentDictionary<string, Series> _series = new(StringComparer.Ordinal);
        private readonly Lock _lock = new();
        private readonly HashSet<string> _observed = new(StringComparer.Ordinal);
        private string[]? _tagKeys;
        private Collector? _collector;
        private bool _capped;

        public Export(Instrument instrument, IMetricFactory factory, Declaration? declaration, PrometheusMeterBridge owner)
        {
            _instrument = instrument;
            _factory = factory;
            _domains = declaration?.Labels;
            _owner = owner;
            Name = PrometheusNames.For(instrument);
            Type t = instrument.GetType();
            Type generic = t.IsGenericType ? t.GetGenericTypeDefinition() : t;
            _kind = generic == typeof(Counter<>) ? Kind.CounterDelta
                : generic == typeof(ObservableCounter<>) ? Kind.CounterCumulative
                : generic == typeof(UpDownCounter<>) ? Kind.GaugeDelta
                : generic == typeof(Histogram<>) ? Kind.Histogram
                : Kind.GaugeValue;
            Observable = instrument.IsObservable;
            if (_domains is not null)
            {
                Create([.. _domains.Select(d => d.Key)]);

                // Observable series appear with their first observation, at the first scrape.
                if (declaration!.ExportedAtStart && !Observable)
                {
                    foreach (string[] values in Combinations(_domains))
                    {
                        Get(values);
                    }
                }
            }
        }

        public string Name { get; }

        public bool Observable { get; }

        public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            if (_collector is null)
            {
                lock (_lock)
                {
                    if (_collector is null)
                    {
                        string[] keys = new string[tags.Length];
                        for (int i = 0; i < tags.Length; i++)
                        {
                            keys[i] = tags[i].Key;
                        }

                        Array.Sort(keys, StringComparer.Ordinal);
                        Create([.. keys.Distinct(StringComparer.Ordinal)]);
                    }
                }
            }

            string[] values = LabelValues(tags);
            Series series = Get(values);
            if (Observable)
            {
                lock (_lock)
                {
                    _observed.Add(series.Key);
                }
            }

            switch (_kind)
            {
                case Kind.CounterDelta when value >= 0:
                    ((ICounter)series.Metric).Inc(value);
                    break;
                case Kind.CounterCumulative:
                    ((ICounter)series.Metric).IncTo(value);
                    break;
                case Kind.GaugeDelta:
                    ((IGauge)series.Metric).Inc(value);
                    break;
                case Kind.GaugeValue:
                    ((IGauge)series.Metric).Set(value);
                    break;
                case Kind.Histogram:
                    ((IHistogram)series.Metric).Observe(value);
                    break;
                default:
                    // A negative increment of a Counter<T> breaks the instrument's contract; a counter never goes down.
                    break;
            }
        }

        public void BeginRound()
        {
            lock (_lock)
            {
                _observed.Clear();
            }
        }

        /// <summary>An observable series the callback no longer reports (a peer that left, a reason that passed) goes.</summary>
        public void EndRound()
        {
            if (_tagKeys is not { Length: > 0 } || _collector is null)
            {
                return;
            }

            lock (_lock)
            {
                foreach (Series s in _series.Values)
                {
                    if (!_observed.Contains(s.Key) && _series.TryRemove(s.Key, out _))
                    {
                        RemoveLabelled(s.Values);
                    }
                }
            }
        }

        private void Create(string[] keys)
        {
            _tagKeys = keys;
            string[] labels = [.. keys.Select(PrometheusNames.Label)];
            string help = string.IsNullOrWhiteSpace(_instrument.Description) ? Name : _instrument.Description;
            _collector = _kind switch
            {
                Kind.CounterDelta or Kind.CounterCumulative => _factory.CreateCounter(Name, help, labels),
                Kind.Histogram => _factory.CreateHistogram(Name, help, labels, new HistogramConfiguration { Buckets = HistogramBuckets.For(_instrument) }),
                _ => _factory.CreateGauge(Name, help, labels),
            };
        }

        private string[] LabelValues(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            string[] keys = _tagKeys!;
            string[] values = new string[keys.Length];
            for (int i = 0; i < keys.Length; i++)
            {
                object? raw = null;
                foreach (KeyValuePair<string, object?> tag in tags)
                {
                    if (string.Equals(tag.Key, keys[i], StringComparison.Ordinal))
                    {
                        raw = tag.Value;
                        break;
                    }
                }

                values[i] = _domains is not null ? _domains[i].Normalize(raw) : raw?.ToString() ?? "";
            }

            return values;
        }

        private Series Get(string[] values)
        {
            string key = string.Join('\u001f', values);
            if (_series.TryGetValue(key, out Series? found))
            {
                return found;
            }

            lock (_lock)
            {
                if (_domains is null && _series.Count >= SeriesPolicy.MaxUndeclaredSeries && !_series.ContainsKey(key))
                {
                    values = [.. values.Select(_ => SeriesPolicy.Other)];
                    key = string.Join('\u001f', values);
                    if (!_capped)
                    {
                        _capped = true;
                        _owner.LogSeriesCapped(Name, SeriesPolicy.MaxUndeclaredSeries);
                    }
                }

                return _series.GetOrAdd(key, k => new Series(k, values, Child(values)));
            }
        }

        private object Child(string[] values) => (_collector, values.Length) switch
        {
            (Counter c, 0) => c,
            (Counter c, _) => c.WithLabels(values),
            (Gauge g, 0) => g,
            (Gauge g, _) => g.WithLabels(values),
            (Histogram h, 0) => h,
            (Histogram h, _) => h.WithLabels(values),
            _ => throw new InvalidOperationException($"{Name}: no metric was created"),
        };

        private void RemoveLabelled(string[] values)
        {
            switch (_collector)
            {
                case Counter c:
                    c.RemoveLabelled(values);
                    break;
                case Gauge g:
                    g.RemoveLabelled(values);
                    break;
                case Histogram h:
                    h.RemoveLabelled(values);
                    break;
            }
        }

        private static IEnumerable<string[]> Combinations(LabelDomain[] domains)
        {
            IEnumerable<string[]> result = [[]];
            foreach (LabelDomain d in domains)
            {
                result = result.SelectMany(prefix => d.Values.Select(v => (string[])[.. prefix, v]));
            }

            return result;
        }
    }

    private sealed record Series(string Key, string[] Values, object Metric);
}
