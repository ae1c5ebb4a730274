using System.Diagnostics;

namespace Aegis.Simulation;

/// <summary>Runs many seeds (in parallel; each seed is still one deterministic execution) and reports like CI wants.</summary>
public static class SimRunner
{
    public sealed record Summary(int Seeds, int Violations, TimeSpan Elapsed, IReadOnlyList<SimulationResult> Failures, long Commits, int ViewChanges, int Crashes, int Partitions, long Dropped, long Rejected);

    /// <summary>
    /// Runs seeds firstSeed .. firstSeed+count−1. Each failing seed is written to <paramref name="output"/> as one line
    /// with its replay command; the last line is exactly "N seeds, V violations".
    /// </summary>
    public static Summary Run(ulong firstSeed, int count, SimulationOptions options, TextWriter output, bool verbose = false, IProgress<int>? progress = null)
    {
        var stopwatch = Stopwatch.StartNew();
        var results = new SimulationResult[count];
        int done = 0;
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
        {
            results[i] = new Simulation(firstSeed + (ulong)i, options).Run();
            progress?.Report(Interlocked.Increment(ref done));
        });

        stopwatch.Stop();
        var failures = new List<SimulationResult>();
        foreach (SimulationResult r in results)
        {
            if (verbose)
            {
                output.WriteLine($"seed {r.Seed}: height {r.Height}, {r.TransactionsCommitted}/{r.TransactionsSubmitted} txs, {r.ViewChanges} view changes, {r.Crashes} crashes, {r.Partitions} partitions, {r.MessagesDelivered} delivered, {r.MessagesDropped} dropped, {r.MessagesRejected} rejected, {r.EvidenceReports} evidence, {r.TicksRun} ticks, trace {r.TraceHash[..12]}");
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
        return new Summary(
            count,
            violations,
            stopwatch.Elapsed,
            failures,
            results.Sum(r => (long)r.Height),
            results.Sum(r => r.ViewChanges),
            results.Sum(r => r.Crashes),
            results.Sum(r => r.Partitions),
            results.Sum(r => r.MessagesDropped),
            results.Sum(r => r.MessagesRejected));
    }
}
