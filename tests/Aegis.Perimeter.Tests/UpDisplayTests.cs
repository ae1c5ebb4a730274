using System.Diagnostics;
using System.Text;
using Aegis.Cli.Cluster;
using Aegis.Cluster.Tests;
using static Aegis.Perimeter.Tests.Support.Perimeter;

namespace Aegis.Perimeter.Tests;

/// <summary>`aegis up`'s status table: redrawn in place on a terminal (a real pty from util-linux `script`), plain lines otherwise.</summary>
public class UpDisplayTests
{
    [Fact]
    public async Task On_a_terminal_the_table_redraws_in_place_and_on_a_dumb_terminal_or_a_pipe_it_prints_plain_lines()
    {
        CancellationToken ct = Timeout(150);
        await using var cluster = new TestCluster(validators: 1);
        ProcessStartInfo aegis = AegisExecutable.StartInfo("up", "--dir", cluster.Dir, "--base-port", cluster.BasePort.ToString(System.Globalization.CultureInfo.InvariantCulture));
        string command = string.Join(' ', new[] { aegis.FileName }.Concat(aegis.ArgumentList).Select(a => "'" + a + "'"));

        // On a pseudo-terminal with ANSI: one table drawn, then moved back over (cursor up) and redrawn, never scrolled.
        var onTerminal = new ProcessStartInfo("script", ["-q", "-e", "-c", command, "/dev/null"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        onTerminal.Environment["TERM"] = "xterm-256color";
        string terminal = await RunUntilAsync(onTerminal, text => Count(text, "┌") >= 4, interrupt: "\u0003", ct);
        int tables = Count(terminal, "┌");
        int cursorUps = System.Text.RegularExpressions.Regex.Count(terminal, "\u001b\\[\\d+A");
        Assert.True(tables >= 4, terminal);
        Assert.True(cursorUps >= tables - 1, $"{tables} tables drawn but only {cursorUps} cursor-up moves: the table scrolls instead of redrawing");

        // A terminal that cannot move the cursor (TERM=dumb): a live table would scroll a new copy every second, so plain lines.
        onTerminal.Environment["TERM"] = "dumb";
        string dumb = await RunUntilAsync(onTerminal, text => Count(text, "node-0  height") >= 2, interrupt: "\u0003", ct);
        Assert.DoesNotContain("┌", dumb, StringComparison.Ordinal);
        Assert.Contains("node-0  height", dumb, StringComparison.Ordinal);

        // Not a terminal: plain status lines, no box drawing and no escape codes.
        ProcessStartInfo piped = AegisExecutable.StartInfo("up", "--dir", cluster.Dir, "--base-port", cluster.BasePort.ToString(System.Globalization.CultureInfo.InvariantCulture));
        string plain = await RunUntilAsync(piped, text => Count(text, "node-0  height") >= 2, interrupt: null, ct);
        Assert.DoesNotContain("┌", plain, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b[", plain, StringComparison.Ordinal);
        Assert.Contains("node-0  height", plain, StringComparison.Ordinal);
    }

    private static async Task<string> RunUntilAsync(ProcessStartInfo info, Func<string, bool> done, string? interrupt, CancellationToken ct)
    {
        var output = new StringBuilder();
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) =>
        {
            lock (output)
            {
                output.Append(e.Data).Append('\n');
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        try
        {
            var deadline = Stopwatch.StartNew();
            while (deadline.Elapsed < TimeSpan.FromSeconds(60) && !process.HasExited)
            {
                lock (output)
                {
                    if (done(output.ToString()))
                    {
                        break;
                    }
                }

                await Task.Delay(250, ct);
            }
        }
        finally
        {
            // On the pty, Ctrl+C as a user would type it (the terminal turns it into SIGINT for `aegis up`). Whatever is still
            // running after that is this test's own process tree, ended by PID; the nodes also exit when `aegis up` goes.
            if (interrupt is not null && !process.HasExited)
            {
                await process.StandardInput.WriteAsync(interrupt);
                await process.StandardInput.FlushAsync(ct);
                using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(20));
                await process.WaitForExitAsync(grace.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }

            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None);
            }
        }

        lock (output)
        {
            return output.ToString();
        }
    }

    private static int Count(string text, string needle) => (text.Length - text.Replace(needle, "", StringComparison.Ordinal).Length) / needle.Length;
}
