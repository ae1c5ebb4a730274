namespace Aegis.Cli.Commands;

/// <summary>Durations as the CLI writes them (--ttl, --duration): 30s, 15m, 1.5h, 7d, 8760h.</summary>
internal static class Durations
{
    /// <summary>Longer than any lifetime or run a verb means; also keeps a token's exp (now + ttl) a valid date.</summary>
    private static readonly TimeSpan Longest = TimeSpan.FromDays(365 * 100);

    /// <summary>A positive duration such as 30s, 15m, 1.5h or 7d; NaN, infinities and anything beyond 100 years are refused, not thrown on.</summary>
    public static bool TryParse(string text, out TimeSpan value)
    {
        value = default;
        if (text.Length < 2 || !double.TryParse(text[..^1], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double n) || !(n > 0) || double.IsInfinity(n))
        {
            return false;
        }

        double seconds = text[^1] switch
        {
            's' => n,
            'm' => n * 60,
            'h' => n * 3600,
            'd' => n * 86400,
            _ => 0,
        };
        if (!(seconds > 0) || seconds > Longest.TotalSeconds)
        {
            return false;
        }

        value = TimeSpan.FromSeconds(seconds);
        return value > TimeSpan.Zero;
    }
}
