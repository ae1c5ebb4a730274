using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Aegis.Cli.Cluster;
using Aegis.Cli.Testnet;
using Spectre.Console;

namespace Aegis.Cli.Commands;

/// <summary>
/// `aegis up`: the one-command local cluster. Generates a testnet (unless DIR holds one), starts every node as a
/// child process, waits until all are ready, prints their API URLs and a live status table; Ctrl+C stops them all.
/// </summary>
public static class UpCommand
{
    public static Command Create()
    {
        Option<int> validators = TestnetCommand.Validators();
        var dir = new Option<string>("--dir", "-d") { Description = "testnet directory (created if empty)", DefaultValueFactory = _ => "./testnet" };
        Option<int> basePort = TestnetCommand.BasePort();
        Option<string> storage = TestnetCommand.Storage();
        var readyTimeout = new Option<int>("--ready-timeout") { Description = "seconds to wait for every node to be ready", DefaultValueFactory = _ => 60 };
        Option<bool> tls = TestnetCommand.Tls();
        var command = new Command("up", "start a local cluster (default 4 validators on SQLite) and show its live status") { validators, dir, basePort, storage, readyTimeout, tls };
        command.SetAction(async (parse, outer) =>
        {
            using var stop = new ShutdownSignal(outer);
            CancellationToken ct = stop.Token;
            int n = parse.GetValue(validators);
            int port = parse.GetValue(basePort);
            string path = parse.GetValue(dir)!;
            List<string> problems = TestnetCommand.Validate(n, port, parse.GetValue(storage)!);
            if (problems.Count > 0)
            {
                return CliErrors.Report("up", problems);
            }

            if (TestnetGenerator.Exists(path))
            {
                n = Directory.GetDirectories(path, "node*").Length;
                Console.WriteLine($"using the existing testnet in {Path.GetFullPath(path)} ({n} nodes)");
            }
            else
            {
                TestnetGenerator.Write(path, n, port, parse.GetValue(storage)!, Environment.GetEnvironmentVariable("AEGIS_DATABASE_URL"), tls: parse.GetValue(tls));
                Console.WriteLine($"generated a {n}-validator testnet in {Path.GetFullPath(path)}");
            }

            await using var cluster = new LocalClusterProcess(path, n, port);
            cluster.StartAll();
            Console.WriteLine($"starting {n} nodes (logs: {Path.Combine(Path.GetFullPath(path), "node*/node.log")}) ...");
            var clock = Stopwatch.StartNew();
            if (!await cluster.WaitReadyAsync(TimeSpan.FromSeconds(parse.GetValue(readyTimeout)), ct))
            {
                if (ct.IsCancellationRequested)
                {
                    return CliApp.Ok;
                }

                for (int i = 0; i < n; i++)
                {
                    if (!cluster.IsRunning(i))
                    {
                        Console.Error.WriteLine($"aegis up: node{i} exited; last lines of {cluster.LogPath(i)}:");
                        foreach (string line in File.ReadLines(cluster.LogPath(i)).TakeLast(10))
                        {
                            Console.Error.WriteLine("  " + line);
                        }
                    }
                }

                return CliErrors.Fail("up", $"not every node became ready within {parse.GetValue(readyTimeout)} s (see the logs above)");
            }

            Console.WriteLine($"all {n} validators ready in {clock.Elapsed.TotalSeconds:F1} s");
            for (int i = 0; i < n; i++)
            {
                Console.WriteLine($"  node-{i}: {cluster.ApiUrl(i)}");
            }

            Console.WriteLine("try: aegis tx put hello world --wait --url " + cluster.ApiUrl(0) + (cluster.CaCertFile is null ? "" : " --cacert " + cluster.CaCertFile));
            Console.WriteLine("press Ctrl+C to stop all nodes");
            await ShowStatusAsync(cluster, ct);
            Console.WriteLine("stopping all nodes ...");
            await cluster.StopAllAsync(TimeSpan.FromSeconds(10));
            Console.WriteLine("stopped");
            return CliApp.Ok;
        });
        return command;
    }

    private static async Task ShowStatusAsync(LocalClusterProcess cluster, CancellationToken ct)
    {
        var previous = new Dictionary<int, (long Txs, double At)>();
        var clock = Stopwatch.StartNew();
        // A live display redraws in place only where the cursor can move back up (ANSI). Elsewhere — output to a file or
        // a pipe, TERM=dumb or no TERM — Spectre would print a fresh copy of the table every second, so plain lines it is.
        bool interactive = !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Ansi && AnsiConsole.Profile.Capabilities.Interactive;
        var table = new Table().AddColumns("node", "height", "view", "leader", "peers", "mempool", "tx/s", "status");
        try
        {
            if (interactive)
            {
                await AnsiConsole.Live(table).StartAsync(async ctx =>
                {
                    while (!ct.IsCancellationRequested)
                    {
                        await FillAsync(cluster, table, previous, clock, ct);
                        ctx.Refresh();
                        await Task.Delay(1000, ct);
                    }
                });
            }
            else
            {
                while (!ct.IsCancellationRequested)
                {
                    foreach (string line in await FillAsync(cluster, table, previous, clock, ct))
                    {
                        Console.WriteLine(line);
                    }

                    await Task.Delay(5000, ct);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Refreshes the table and returns the same rows as plain lines (for a non-interactive terminal).</summary>
    private static async Task<List<string>> FillAsync(LocalClusterProcess cluster, Table table, Dictionary<int, (long Txs, double At)> previous, Stopwatch clock, CancellationToken ct)
    {
        table.Rows.Clear();
        var lines = new List<string>();
        for (int i = 0; i < cluster.Validators; i++)
        {
            JsonElement? s = await cluster.StatusAsync(i, ct);
            if (s is not { } st)
            {
                string state = cluster.IsRunning(i) ? "not answering" : "stopped";
                table.AddRow($"node-{i}", "-", "-", "-", "-", "-", "-", cluster.IsRunning(i) ? "[yellow]not answering[/]" : "[red]stopped[/]");
                lines.Add($"node-{i}  {state}");
                continue;
            }

            ulong height = st.GetProperty("block_height").GetUInt64();
            double now = clock.Elapsed.TotalSeconds;
            long txs = st.GetProperty("txs_committed").GetInt64();
            string rate = previous.TryGetValue(i, out var p) && now > p.At
                ? ((txs - p.Txs) / (now - p.At)).ToString("F0", System.Globalization.CultureInfo.InvariantCulture)
                : "-";
            previous[i] = (txs, now);
            string view = st.GetProperty("view").GetUInt64().ToString(System.Globalization.CultureInfo.InvariantCulture);
            string leader = st.GetProperty("leader").GetString() ?? "";
            string peers = st.GetProperty("peers").GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture);
            string sync = st.GetProperty("sync_status").GetString() ?? "";
            lines.Add($"node-{i}  height {height}  view {view}  leader {leader}  peers {peers}  tx/s {rate}  {sync}");
            table.AddRow(
                $"node-{i}",
                height.ToString(System.Globalization.CultureInfo.InvariantCulture),
                st.GetProperty("view").GetUInt64().ToString(System.Globalization.CultureInfo.InvariantCulture),
                Markup.Escape(st.GetProperty("leader").GetString() ?? ""),
                st.GetProperty("peers").GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture),
                st.GetProperty("mempool_size").GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture),
                rate,
                sync == "synced" ? "[green]synced[/]" : "[yellow]syncing[/]");
        }

        return lines;
    }
}
