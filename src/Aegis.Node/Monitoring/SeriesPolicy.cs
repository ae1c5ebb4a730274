namespace Aegis.Node.Monitoring;

/// <summary>
/// Which series an instrument may have. A label whose values come from outside (a peer's id, a client's key, a path)
/// would otherwise add a series per distinct value for as long as the process runs, so:
/// <list type="bullet">
/// <item>a declared instrument keeps only its declared labels, maps a value outside a label's domain to the domain's
/// fallback (<c>other</c>, <c>observer</c>), and has every series of its domains exported from the start — at zero for
/// counters, so the first event is an <c>increase()</c> an alert can see;</item>
/// <item>an undeclared instrument (one another part of AEGIS adds later) is exported on its first measurement, with
/// at most <see cref="MaxUndeclaredSeries"/> label sets; values beyond them are folded into <c>other</c>.</item>
/// </list>
/// Declare an instrument here to have it exported at zero before its first event.
/// </summary>
public sealed class SeriesPolicy
{
    /// <summary>Enough for labels such as an HTTP method × status class or a route template; far below a per-client label.</summary>
    public const int MaxUndeclaredSeries = 64;

    public const string Other = "other";

    private readonly Dictionary<string, Declaration> _declared = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, Declaration> Declared => _declared;

    /// <summary>Declares an instrument (by its instrument name) whose every series is exported from the start.</summary>
    public SeriesPolicy Declare(string instrument, params LabelDomain[] labels) => Add(instrument, true, labels);

    /// <summary>Declares an instrument whose series are bounded by their domains but appear with their first measurement.</summary>
    public SeriesPolicy Bound(string instrument, params LabelDomain[] labels) => Add(instrument, false, labels);

    public Declaration? Find(string instrument) => _declared.GetValueOrDefault(instrument);

    private SeriesPolicy Add(string instrument, bool atStart, LabelDomain[] labels)
    {
        if (labels.Select(l => l.Key).Distinct(StringComparer.Ordinal).Count() != labels.Length)
        {
            throw new ArgumentException($"{instrument}: a label is declared twice", nameof(labels));
        }

        _declared.Add(instrument, new Declaration(labels, atStart));
        return this;
    }
}

/// <summary>An instrument's labels and whether all its series exist before the first measurement.</summary>
public sealed record Declaration(LabelDomain[] Labels, bool ExportedAtStart);

/// <summary>A label and every value it may take; anything else is reported as <see cref="Fallback"/>.</summary>
public sealed class LabelDomain
{
    private readonly HashSet<string> _values;

    public LabelDomain(string key, IEnumerable<string> values, string fallback = SeriesPolicy.Other)
    {
        Key = key;
        Fallback = fallback;
        Values = [.. values.Append(fallback).Distinct(StringComparer.Ordinal)];
        _values = new HashSet<string>(Values, StringComparer.Ordinal);
    }

    public string Key { get; }

    public string Fallback { get; }

    /// <summary>The declared values and the fallback: the label's whole domain.</summary>
    public IReadOnlyList<string> Values { get; }

    public string Normalize(object? value) =>
        value?.ToString() is { } s && _values.Contains(s) ? s : Fallback;
}
