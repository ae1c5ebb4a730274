using Spectre.Console;

namespace Aegis.Cli.Commands.Operations;

/// <summary>
/// Spectre.Console's progress bar over the long verbs (backup, verify, restore), only when stdout is an interactive
/// terminal (the same test <c>aegis up</c> makes for its live table): a pipe or a log file gets nothing but the result
/// lines, no fallback progress lines.
/// </summary>
internal static class BlockProgress
{
    /// <summary>Runs <paramref name="work"/> with a reporter of (blocks done, blocks in all) that moves the bar.</summary>
    public static async Task<T> RunAsync<T>(string what, Func<Action<ulong, ulong>, Task<T>> work)
    {
        if (Console.IsOutputRedirected || !AnsiConsole.Profile.Capabilities.Ansi || !AnsiConsole.Profile.Capabilities.Interactive)
        {
            return await work(static (_, _) => { });
        }

        return await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                ProgressTask task = context.AddTask(what);
                return await work((done, total) =>
                {
                    task.MaxValue = Math.Max(1, total);
                    task.Value = done;
                });
            });
    }
}
