using System.Diagnostics;

namespace Aegis.Cli.Commands.Operations;

/// <summary>
/// One line redrawn in place while long work runs — only when stdout is a terminal; a pipe or a log file gets nothing
/// but the final result lines. Redrawn at most every 200 ms, so it costs nothing measurable.
/// </summary>
internal sealed class ProgressBar(string what)
{
    private const int Width = 30;
    private readonly bool _enabled = !Console.IsOutputRedirected;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _lastDrawMs = -1000;
    private bool _drawn;

    public void Report(ulong done, ulong total)
    {
        if (!_enabled || (_clock.ElapsedMilliseconds - _lastDrawMs < 200 && done < total))
        {
            return;
        }

        _lastDrawMs = _clock.ElapsedMilliseconds;
        double fraction = total == 0 ? 1 : Math.Min(1, (double)done / total);
        int filled = (int)(fraction * Width);
        double rate = done / Math.Max(0.001, _clock.Elapsed.TotalSeconds);
        Console.Write($"\r{what} [{new string('#', filled)}{new string('.', Width - filled)}] {done}/{total} blocks, {rate:F0}/s   ");
        _drawn = true;
    }

    public void Done()
    {
        if (_drawn)
        {
            Console.WriteLine();
        }
    }
}
