namespace Aegis.Node.Api;

/// <summary>
/// Which keys the API accepts, so that every key that can be written can be read back at GET /v1/kv/{key}: any Unicode
/// text of 1 to LedgerLimits.MaxKeyBytes UTF-8 bytes, without control characters (U+0000–U+001F, U+007F–U+009F) or
/// backslashes, and whose '/'-separated segments are neither empty, "." nor "..". Clients, proxies and servers rewrite
/// exactly those in URL paths (dot segments are resolved, "\" becomes "/", "//" may be merged, NUL is refused), so such
/// a key would be stored but unreachable. Everything else is percent-encoded by the client and decoded once by the node.
/// </summary>
public static class KeyAlphabet
{
    public static readonly string Description = $"1 to {Aegis.Core.Ledger.LedgerLimits.MaxKeyBytes} bytes of UTF-8 without control characters or '\\'; '/' separates segments, which must not be empty, '.' or '..'";

    /// <summary>Null when <paramref name="key"/> is in the alphabet; otherwise what is wrong, naming the field.</summary>
    public static string? Problem(string key)
    {
        if (key.Length == 0)
        {
            return "key: required and must not be empty";
        }

        if (UnpairedSurrogate(key) is var bad and >= 0)
        {
            return $"key: not valid Unicode (an unpaired surrogate at position {bad})";
        }

        for (int i = 0; i < key.Length; i++)
        {
            char c = key[i];
            if (char.IsControl(c))
            {
                return $"key: control character U+{(int)c:X4} at position {i} is not allowed (keys are {Description})";
            }

            if (c == '\\')
            {
                return $"key: '\\' at position {i} is not allowed (URL clients turn it into '/')";
            }
        }

        foreach (string segment in key.Split('/'))
        {
            if (segment.Length == 0)
            {
                return "key: must not start or end with '/' or contain '//' (empty segments do not survive URL handling)";
            }

            if (segment is "." or "..")
            {
                return $"key: a '{segment}' segment is not allowed (URL clients resolve dot segments)";
            }
        }

        return null;
    }

    /// <summary>The index of the first surrogate without its pair (text that UTF-8 cannot carry as sent), or -1.</summary>
    public static int UnpairedSurrogate(string text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return i;
            }
        }

        return -1;
    }
}
