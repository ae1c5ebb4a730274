using System.Diagnostics.Metrics;
using System.Text;

namespace Aegis.Node.Monitoring;

/// <summary>
/// How an instrument's name becomes a Prometheus name. AEGIS's instruments are already named the Prometheus way
/// (<c>aegis_commit_latency_seconds</c>, <c>aegis_txs_committed_total</c>) and come out unchanged; a dotted name such
/// as <c>aegis.api.requests</c> becomes <c>aegis_api_requests_total</c>: invalid characters turn into '_', a counter
/// gets its <c>_total</c>, and a unit of seconds or bytes its <c>_seconds</c> / <c>_bytes</c> (the suffixes
/// <c>promtool check metrics</c> and dashboards expect).
/// </summary>
public static class PrometheusNames
{
    public static string For(Instrument instrument)
    {
        string name = Sanitize(instrument.Name);
        bool counter = IsCounter(instrument);
        string stem = counter && name.EndsWith("_total", StringComparison.Ordinal) ? name[..^"_total".Length] : name;
        string? unitSuffix = instrument.Unit switch
        {
            "s" => "_seconds",
            "By" => "_bytes",
            _ => null,
        };
        if (unitSuffix is not null && !stem.EndsWith(unitSuffix, StringComparison.Ordinal))
        {
            stem += unitSuffix;
        }

        return counter ? stem + "_total" : stem;
    }

    /// <summary>A Prometheus label name for a tag key: [a-zA-Z_][a-zA-Z0-9_]*.</summary>
    public static string Label(string key)
    {
        string label = Sanitize(key).Replace(':', '_');
        return label.StartsWith("__", StringComparison.Ordinal) ? "tag" + label : label;
    }

    public static bool IsCounter(Instrument instrument)
    {
        Type? t = instrument.GetType();
        return t.IsGenericType && (t.GetGenericTypeDefinition() == typeof(Counter<>) || t.GetGenericTypeDefinition() == typeof(ObservableCounter<>));
    }

    private static string Sanitize(string name)
    {
        var sb = new StringBuilder(name.Length + 1);
        foreach (char c in name)
        {
            sb.Append(c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '_' or ':' ? c : '_');
        }

        if (sb.Length == 0 || char.IsAsciiDigit(sb[0]))
        {
            sb.Insert(0, '_');
        }

        return sb.ToString();
    }
}
