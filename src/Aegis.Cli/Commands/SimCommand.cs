using System.CommandLine;
using Aegis.Simulation;

namespace Aegis.Cli.Commands;

/// <summary>`aegis sim`: the deterministic simulator over the real consensus code.</summary>
public static class SimCommand
{
    public static Command Create()
    {
        var seeds = new Option<int>("--seeds") { Description = "how many seeds to run", DefaultValueFactory = _ => 100 };
        var seed = new Option<ulong?>("--seed") { Description = "first seed (with --seeds 1: replay exactly this seed)" };
        var replicas = new Option<int>("--replicas") { Description = "validators per run", DefaultValueFactory = _ => 4 };
        var faults = new Option<string>("--faults") { Description = "all, none, or a list of: loss, delay, dup, reorder, partition, crash, byzantine", DefaultValueFactory = _ => "all" };
        var txs = new Option<int>("--txs") { Description = "client transactions per run", DefaultValueFactory = _ => new SimulationOptions().Transactions };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "one line per seed with its statistics" };
        var trace = new Option<bool>("--trace") { Description = "with a single seed: print the run's event trace (commits, view changes, faults)" };

        var command = new Command("sim", "run the deterministic simulator: all replicas in one process under seeded faults; last line 'N seeds, V violations'")
        {
            seeds, seed, replicas, faults, txs, verbose, trace,
        };

        command.SetAction(parse =>
        {
            int n = parse.GetValue(replicas);
            int count = parse.GetValue(seed) is not null && parse.GetResult(seeds) is null or { Implicit: true } ? 1 : parse.GetValue(seeds);
            var problems = new List<string>();
            if (n is < 1 or > 64)
            {
                problems.Add($"--replicas: {n} — expected 1 to 64");
            }

            if (count < 1)
            {
                problems.Add($"--seeds: {count} — expected at least 1");
            }

            FaultKinds kinds = FaultKinds.None;
            try
            {
                kinds = FaultKindsParser.Parse(parse.GetValue(faults)!);
            }
            catch (FormatException ex)
            {
                problems.Add($"--faults: {ex.Message}");
            }

            if (problems.Count > 0)
            {
                foreach (string p in problems)
                {
                    Console.Error.WriteLine($"aegis sim: {p}");
                }

                return CliApp.BadUsage;
            }

            var options = new SimulationOptions { Replicas = n, Faults = kinds, Transactions = parse.GetValue(txs), Log = parse.GetValue(trace) && count == 1 ? Console.Out : null };
            ulong first = parse.GetValue(seed) ?? 1;
            SimRunner.Summary summary = SimRunner.Run(first, count, options, Console.Out, parse.GetValue(verbose));
            Console.Error.WriteLine($"{summary.Seeds / Math.Max(summary.Elapsed.TotalSeconds, 1e-9):F1} seeds/s over {summary.Elapsed.TotalSeconds:F1}s; faults: {FaultKindsParser.Format(kinds)}; {summary.Commits} blocks committed, {summary.ViewChanges} view changes, {summary.Crashes} crashes, {summary.Partitions} partitions, {summary.Dropped} messages dropped, {summary.Rejected} rejected");
            return summary.Violations == 0 ? CliApp.Ok : CliApp.Failure;
        });

        return command;
    }
}
