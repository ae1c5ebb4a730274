using System.CommandLine;
using Aegis.Simulation;

namespace Aegis.Cli.Commands;

/// <summary>`aegis sim`: the deterministic simulator over the production host.</summary>
public static class SimCommand
{
    public static Command Create()
    {
        var seeds = new Option<int>("--seeds") { Description = "how many seeds to run", DefaultValueFactory = _ => 100 };
        var seed = new Option<ulong?>("--seed") { Description = "first seed (with --seeds 1, or alone: replay exactly this seed)" };
        var replicas = new Option<int>("--replicas") { Description = "validators per run", DefaultValueFactory = _ => 4 };
        var faults = new Option<string>("--faults") { Description = "all, none, or a list of: loss, delay, dup, reorder, partition, crash, byzantine, fsync, disk, wipe (each seed draws its own subset and rates)", DefaultValueFactory = _ => "all" };
        var txs = new Option<int>("--txs") { Description = "client transactions per run", DefaultValueFactory = _ => new SimulationOptions().Transactions };
        var unsafeQuorum = new Option<int?>("--unsafe-quorum") { Description = "fault injection: replicas count this many votes as a quorum (breaks safety on purpose)" };
        var bug = new Option<string>("--plant-bug") { Description = "fault injection: plant a bug in every node's host: none, release-before-durable, ignore-tx-index", DefaultValueFactory = _ => "none" };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "one line per seed with its statistics and fault profile" };
        var trace = new Option<bool>("--trace") { Description = "with a single seed: print the run's event trace (faults, commits, view changes, replica decisions)" };

        var command = new Command("sim", "run the deterministic simulator: every validator's production host on simulated disks, network and time, under seeded faults; last line 'N seeds, V violations'")
        {
            seeds, seed, replicas, faults, txs, unsafeQuorum, bug, verbose, trace,
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

            if (parse.GetValue(txs) < 0)
            {
                problems.Add($"--txs: {parse.GetValue(txs)} — expected 0 or more");
            }

            if (parse.GetValue(unsafeQuorum) is < 1)
            {
                problems.Add($"--unsafe-quorum: {parse.GetValue(unsafeQuorum)} — expected at least 1");
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

            PlantedBug planted = PlantedBug.None;
            try
            {
                planted = PlantedBugs.Parse(parse.GetValue(bug)!);
            }
            catch (FormatException ex)
            {
                problems.Add($"--plant-bug: {ex.Message}");
            }

            if (problems.Count > 0)
            {
                foreach (string p in problems)
                {
                    Console.Error.WriteLine($"aegis sim: {p}");
                }

                return CliApp.BadUsage;
            }

            var options = new SimulationOptions
            {
                Replicas = n,
                Faults = kinds,
                Transactions = parse.GetValue(txs),
                UnsafeQuorumOverride = parse.GetValue(unsafeQuorum),
                Bug = planted,
                Log = parse.GetValue(trace) && count == 1 ? Console.Out : null,
            };
            ulong first = parse.GetValue(seed) ?? 1;
            SimRunner.Summary s = SimRunner.Run(first, count, options, Console.Out, parse.GetValue(verbose));
            Console.Error.WriteLine($"{s.SeedsPerSecond:F1} seeds/s over {s.Elapsed.TotalSeconds:F1}s; faults: {FaultKindsParser.Format(kinds)}; {s.Commits} blocks committed, worst time to commit {s.WorstTimeToCommit.TotalSeconds:F2} s (simulated), {s.ViewChanges} view changes, {s.Crashes} crashes ({s.GroupsLostInCrashes} write groups lost), {s.Partitions} partitions, {s.DiskFailures} disk failures ({s.Recoveries} recoveries), {s.Dropped} messages dropped, {s.Malformed} malformed, {s.EvidenceReports} evidence reports, {s.SnapshotJoins} snapshot joins, {s.HistoryBackfilled} blocks backfilled");
            return s.Violations == 0 ? CliApp.Ok : CliApp.Failure;
        });

        return command;
    }
}
