using System.Text.RegularExpressions;

namespace Aegis.Kits.Tests.Support;

/// <summary>The metric names a PromQL expression reads (what the kits must find in a node's /metrics).</summary>
public static partial class PromQl
{
    private static readonly HashSet<string> NotMetrics = new(StringComparer.Ordinal)
    {
        "sum", "min", "max", "avg", "count", "stddev", "stdvar", "topk", "bottomk", "quantile", "count_values", "group",
        "rate", "irate", "increase", "delta", "idelta", "deriv", "changes", "resets", "histogram_quantile", "vector",
        "scalar", "abs", "absent", "clamp_min", "clamp_max", "min_over_time", "max_over_time", "avg_over_time",
        "sum_over_time", "count_over_time", "last_over_time", "label_replace", "label_join", "time", "timestamp",
        "by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool", "offset", "inf", "nan",
    };

    public static IReadOnlySet<string> MetricNames(string expr)
    {
        string s = Strings().Replace(expr, "\"\"");
        s = Selectors().Replace(s, " ");
        s = Ranges().Replace(s, " ");
        s = Groupings().Replace(s, " ");
        return Identifiers().Matches(s).Select(m => m.Value).Where(n => !NotMetrics.Contains(n) && !n.StartsWith('$')).ToHashSet(StringComparer.Ordinal);
    }

    [GeneratedRegex(@"""(?:[^""\\]|\\.)*""")]
    private static partial Regex Strings();

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex Selectors();

    [GeneratedRegex(@"\[[^\]]*\]")]
    private static partial Regex Ranges();

    [GeneratedRegex(@"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")]
    private static partial Regex Groupings();

    [GeneratedRegex(@"(?<![\w$.:])[a-zA-Z_:][a-zA-Z0-9_:]*(?![\w:]|\s*\()")]
    private static partial Regex Identifiers();
}
