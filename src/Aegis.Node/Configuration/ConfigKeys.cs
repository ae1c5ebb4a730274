namespace Aegis.Node.Configuration;

/// <summary>The known keys, for "did you mean" suggestions on a typo.</summary>
internal static class ConfigKeys
{
    private static readonly string[] All =
    [
        "node", "id", "environment", "data_dir", "key_file", "genesis_file", "p2p", "host", "port", "bootstrap_nodes", "max_peers", "allow_observers",
        "consensus", "algorithm", "view_change_timeout_ms", "max_block_txs", "tick_ms", "storage", "type", "connection_string", "schema", "api", "max_body_bytes",
        "monitoring", "metrics_port", "security", "authentication", "jwt_secret", "jwt_public_key_file", "encryption_key", "rate_limit_per_minute",
        "logging", "level", "format", "file", "mempool", "max_txs", "max_bytes",
    ];

    public static string? Suggest(string key)
    {
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (string candidate in All)
        {
            int d = Distance(key, candidate);
            if (d < bestDistance)
            {
                bestDistance = d;
                best = candidate;
            }
        }

        return bestDistance <= Math.Max(2, key.Length / 3) ? best : null;
    }

    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
