using System.Text.RegularExpressions;

namespace Aegis.Node.Configuration;

/// <summary>How a secret looks wherever a config value is shown: problem lines, redacted YAML, diagnostics.</summary>
public static partial class SecretMasking
{
    public const string Redacted = "(redacted)";

    /// <summary>The value as it may be shown for a key with this marking (null: not secret).</summary>
    public static string Show(string value, SecretAttribute? secret) =>
        secret is null || value.Length == 0 ? value
        : secret.PasswordOnly ? ConnectionString(value)
        : Redacted;

    /// <summary>
    /// Hides the password of a <c>postgresql://user:password@host/db</c> URL and every <c>password=</c>-like pair (Npgsql
    /// keywords, libpq keywords, URL query), keeping the rest readable.
    /// </summary>
    public static string ConnectionString(string value)
    {
        string masked = UrlPassword().Replace(value, m => m.Groups["head"].Value + Redacted);
        return PasswordPair().Replace(masked, m => m.Groups["head"].Value + Redacted);
    }

    // user:password@ right after the scheme; the last '@' before any '/', '?' or '#' ends it, so an unescaped '@' in the password stays hidden.
    [GeneratedRegex(@"(?<head>^[A-Za-z][A-Za-z0-9+.\-]*://[^:/?#@]*:)[^/?#]*(?=@[^@/?#]*([/?#]|$))")]
    private static partial Regex UrlPassword();

    // A quoted value runs to its closing quote; a bare one to ';' or '&', or to whitespace that starts the next "key=".
    [GeneratedRegex(@"(?<head>(?:^|[;&?\s])[A-Za-z ]*(?:password|pwd)[A-Za-z ]*\s*=\s*)(?:'[^']*'|""[^""]*""|.*?(?=[;&]|\s+[A-Za-z_ ]+=|$))", RegexOptions.IgnoreCase)]
    private static partial Regex PasswordPair();
}
