using System.Diagnostics;

namespace Aegis.Simulation;

/// <summary>Runs many seeds (in parallel; each seed is still one deterministic execution on one thread) and reports like CI wants.</summary>
public static class SimRunner
{
    public sealed record Summary(int Seeds, int Violations, TimeSpan Elapsed, IReadOnlyList<SimulationResult> Failures, IReadOnlyList<SimulationResult> Results)
    {
        public long Commits => Results.Sum(r => (long)r.Height);

        public int ViewChanges => Results.Sum(r => r.ViewChanges);

        public int Crashes => Results.Sum(r => r.Crashes);

        public int Partitions => Results.Sum(r => r.Partitions);

        public int DiskFailures => Results.Sum(r => r.DiskFailures);

        public int Recoveries => Results.Sum(r => r.Recoveries);

        public int SnapshotJoins => Results.Sum(r => r.SnapshotJoins);

        public int HistoryBackfilled => Results.Sum(r => r.HistoryBackfilled);

        public int GroupsLostInCrashes => Results.Sum(r => r.GroupsLostInCrashes);

        public long Dropped => Results.Sum(r => r.MessagesDropped);

        public long Malformed => Results.Sum(r => r.MessagesMalformed);

        public int EvidenceReports => Results.Sum(r => r.EvidenceReports);

        public TimeSpan WorstTimeToCommit => Results.Select(r => r.WorstTimeToCommit).DefaultIfEmpty(TimeSpan.Zero).Max();

        public double SeedsPerSecond => Seeds / Math.Max(Elapsed.TotalSeconds, 1e-9);
    }

    /// <summary>
    /// Runs seeds firstSeed .. firstSeed+count−1. Each failing seed is written to <paramref name="output"/> as one line
    /// with its replay command; the last line is exactly "N seeds, V violations".
    /// </summary>
    public static Summary Run(ulong firstSeed, int count, SimulationOptions options, TextWriter output, bool verbose = false)
    {
        var stopwatch = Stopwatch.StartNew();
        var results = new SimulationResult[count];
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
        {
            results[i] = new Simulation(firstSeed + (ulong)i, options).Run();
        });

        stopwatch.Stop();
        var failures = new List<SimulationResult>();
        foreach (SimulationResult r in results)
        {
            if (verbose)
            {
                output.WriteLine($"seed {r.Seed}: height {r.Height}, {r.TransactionsAcknowledged}/{r.TransactionsSubmitted} txs, worst time to commit {r.WorstTimeToCommit.TotalSeconds:F2} s, {r.ViewChanges} view changes, {r.Crashes} crashes, {r.Partitions} partitions, {r.DiskFailures} disk failures, {r.Recoveries} recoveries, {r.GroupsLostInCrashes} groups lost, {r.MessagesDelivered} delivered, {r.MessagesDropped} dropped, {r.EvidenceReports} evidence, {r.SnapshotJoins} snapshot joins, {r.HistoryBackfilled} blocks backfilled, {r.SimulatedTime.TotalSeconds:F1} s simulated, trace {r.TraceHash[..12]}; {r.Profile}");
            }

            if (!r.Ok)
            {
                failures.Add(r);
                output.WriteLine($"FAIL seed {r.Seed}: {r.Violations[0]} (replay: {r.ReplayCommand})");
                if (verbose)
                {
                    foreach (string v in r.Violations.Skip(1))
                    {
                        output.WriteLine($"  {v}");
                    }
                }
            }
        }

        int violations = results.Sum(r => r.Violations.Count);
        output.WriteLine($"{count} seeds, {violations} violations");
        return new Summary(count, violations, stopwatch.Elapsed, failures, results);
    }
}
