namespace Aegis.Node.Configuration;

/// <summary>"Did you mean …" for an unknown key: a close sibling first (a typo), else the same key in another section (a misplaced key).</summary>
internal static class KeySuggester
{
    public static string? Suggest(string key, IReadOnlyList<ConfigField> siblings)
    {
        string wanted = Normalize(key);
        // Loose enough for a typo or two in a long key, tight enough that a short unknown key does not "match" everything.
        int tolerance = Math.Min(Math.Max(1, wanted.Length / 3), wanted.Length - 1);
        ConfigField? best = Closest(wanted, siblings, tolerance) ?? Closest(wanted, ConfigSchema.All, tolerance);
        return best?.Path;
    }

    private static ConfigField? Closest(string wanted, IEnumerable<ConfigField> candidates, int tolerance)
    {
        ConfigField? best = null;
        int bestDistance = tolerance + 1;
        foreach (ConfigField candidate in candidates)
        {
            int d = Distance(wanted, Normalize(candidate.Key));
            if (d < bestDistance)
            {
                (best, bestDistance) = (candidate, d);
            }
        }

        return best;
    }

    // camelCase, kebab-case and snake_case spellings of one key should all find it.
    private static string Normalize(string key) => key.Replace("_", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal).ToLowerInvariant();

    /// <summary>Edit distance where swapping two neighbours counts as one edit ("prot" → "port"), the commonest typo.</summary>
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (int j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}
