using System.Text.RegularExpressions;

namespace Aegis.Node.Configuration;

/// <summary>The result of expanding one value: the text, the variables that were unset with no default, and whether a <c>${</c> was malformed.</summary>
public readonly record struct Expansion(string Text, IReadOnlyList<string> Unset, bool Malformed);

/// <summary>
/// <c>${VAR}</c> and <c>${VAR:-default}</c> (default when unset or empty, as in POSIX shells), and <c>$${</c> for a literal
/// <c>${</c>. Applied to parsed values rather than the raw file, so a value holding quotes, '#' or ': ' cannot change
/// the YAML structure and comments are never expanded.
/// </summary>
public static partial class VariableExpander
{
    public static Expansion Expand(string text, IReadOnlyDictionary<string, string?> environment)
    {
        if (!text.Contains('$', StringComparison.Ordinal))
        {
            return new Expansion(text, [], false);
        }

        var unset = new List<string>();
        bool malformed = false;
        string expanded = Reference().Replace(text, m =>
        {
            if (m.Groups["escaped"].Success)
            {
                return "${";
            }

            if (!m.Groups["name"].Success)
            {
                malformed = true;
                return m.Value;
            }

            string name = m.Groups["name"].Value;
            if (environment.TryGetValue(name, out string? value) && !string.IsNullOrEmpty(value))
            {
                return value;
            }

            if (m.Groups["default"].Success)
            {
                return m.Groups["default"].Value;
            }

            unset.Add(name);
            return "";
        });
        return new Expansion(expanded, unset, malformed);
    }

    // The last alternative catches a "${" that is not a well-formed reference, so it is reported rather than kept silently.
    [GeneratedRegex(@"(?<escaped>\$\$\{)|\$\{(?<name>[A-Za-z_][A-Za-z0-9_]*)(?::-(?<default>[^}]*))?\}|\$\{")]
    private static partial Regex Reference();
}
