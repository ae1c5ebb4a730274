using System.Text.RegularExpressions;

namespace Aegis.Kits.Tests.Support;

/// <summary>A Prometheus text exposition, read the way the tests need it: sample lines and TYPE lines.</summary>
public sealed partial class Exposition(string text)
{
    public string Text => text;

    public IEnumerable<Sample> Samples =>
        text.Split('\n').Where(l => l.Length > 0 && l[0] != '#').Select(l => SampleLine().Match(l)).Where(m => m.Success)
            .Select(m => new Sample(m.Groups["name"].Value, m.Groups["labels"].Value, double.Parse(m.Groups["value"].Value.Replace("+Inf", "Infinity", StringComparison.Ordinal), System.Globalization.CultureInfo.InvariantCulture)));

    /// <summary>Every sample name (histograms as their _bucket/_sum/_count series).</summary>
    public HashSet<string> Names => [.. Samples.Select(s => s.Name)];

    public string? TypeOf(string family) =>
        text.Split('\n').FirstOrDefault(l => l.StartsWith($"# TYPE {family} ", StringComparison.Ordinal))?.Split(' ')[3];

    public double? Value(string name, string labels = "") =>
        Samples.Where(s => s.Name == name && s.Labels == labels).Select(s => (double?)s.Value).FirstOrDefault();

    /// <summary>The sum over every series of <paramref name="name"/>, whatever its labels; null when it has none.</summary>
    public double? Sum(string name) =>
        Samples.Where(s => s.Name == name).Select(s => (double?)s.Value).Aggregate((double?)null, (total, v) => (total ?? 0) + v);

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>[^}]*)\})? (?<value>\S+)")]
    private static partial Regex SampleLine();

    public sealed record Sample(string Name, string Labels, double Value);
}
