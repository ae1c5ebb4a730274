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

    /// <summary>
    /// Text from the file as it may appear in a problem line: control characters (a newline inside a quoted scalar, a
    /// stray \x01) are written as escapes, so every problem stays on one line and a file cannot forge extra lines.
    /// </summary>
    public static string Printable(string text)
    {
        if (!text.Any(char.IsControl))
        {
            return text;
        }

        var b = new System.Text.StringBuilder(text.Length + 8);
        foreach (char c in text)
        {
            b.Append(c switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when char.IsControl(c) => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        }

        return b.ToString();
    }

    public static string Value(string path, object? value, IReadOnlyList<string>? unsetVariables = null)
    {
        string text = value switch
        {
            null => "",
            string s => Printable(SecretMasking.Show(s, ConfigSchema.Find(path)?.Secret)),
            bool b => b ? "true" : "false",
            IEnumerable<string> list => Printable("[" + string.Join(", ", list) + "]"),
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
