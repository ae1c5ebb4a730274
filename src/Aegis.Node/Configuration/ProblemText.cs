using System.Globalization;

namespace Aegis.Node.Configuration;

/// <summary>
/// The one-line problem format, <c>field: value — what was expected</c>. Every value passes through here, so a secret
/// is masked and an unset <c>${VAR}</c> is named no matter which step found the problem.
/// </summary>
internal static class ProblemText
{
    public static string Line(string path, object? value, string expected, IReadOnlyList<string>? unsetVariables = null) =>
        $"{path}: {Value(path, value, unsetVariables)} — {expected}";

    public static string Value(string path, object? value, IReadOnlyList<string>? unsetVariables = null)
    {
        string text = value switch
        {
            null => "",
            string s => SecretMasking.Show(s, ConfigSchema.Find(path)?.Secret),
            bool b => b ? "true" : "false",
            IEnumerable<string> list => "[" + string.Join(", ", list) + "]",
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => value.ToString() ?? "",
        };
        string unset = unsetVariables is { Count: > 0 } ? $"{string.Join(", ", unsetVariables)} {(unsetVariables.Count == 1 ? "is" : "are")} not set" : "";
        if (text.Length > 0 && string.IsNullOrWhiteSpace(text))
        {
            return "(blank)";
        }

        return (text.Length, unset.Length) switch
        {
            (0, 0) => "(empty)",
            (0, _) => $"(empty: {unset})",
            (_, 0) => text,
            _ => $"{text} ({unset})",
        };
    }
}
