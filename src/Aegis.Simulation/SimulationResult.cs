namespace Aegis.Simulation;

/// <summary>What one seeded execution did and every invariant it broke.</summary>
public sealed record SimulationResult(
    ulong Seed,
    SimulationOptions Options,
    FaultProfile Profile,
    IReadOnlyList<string> Violations,
    TimeSpan SimulatedTime,
    int TransactionsSubmitted,
    int TransactionsAcknowledged,
    TimeSpan WorstTimeToCommit,
    ulong Height,
    long MessagesDelivered,
    long MessagesDropped,
    long MessagesMalformed,
    int ViewChanges,
    int Crashes,
    int Partitions,
    int DiskFailures,
    int Recoveries,
    int GroupsLostInCrashes,
    int EvidenceReports,
    string TraceHash)
{
    public bool Ok => Violations.Count == 0;

    /// <summary>Empty (wiped) nodes that joined by snapshot instead of replaying from genesis.</summary>
    public int SnapshotJoins { get; init; }

    /// <summary>Blocks backfilled below snapshots (storage.keep_history), on every disk.</summary>
    public int HistoryBackfilled { get; init; }

    /// <summary>The command that replays this exact execution.</summary>
    public string ReplayCommand
    {
        get
        {
            var defaults = new SimulationOptions();
            string command = $"aegis sim --seed {Seed} --replicas {Options.Replicas} --faults {FaultKindsParser.Format(Options.Faults)}";
            if (Options.Transactions != defaults.Transactions)
            {
                command += $" --txs {Options.Transactions}";
            }

            if (Options.UnsafeQuorumOverride is { } quorum)
            {
                command += $" --unsafe-quorum {quorum}";
            }

            if (Options.Bug != PlantedBug.None)
            {
                command += $" --plant-bug {PlantedBugs.Format(Options.Bug)}";
            }

            return command;
        }
    }
}

public static class PlantedBugs
{
    public static string Format(PlantedBug bug) => bug switch
    {
        PlantedBug.ReleaseBeforeDurable => "release-before-durable",
        PlantedBug.IgnoreTxIndex => "ignore-tx-index",
        _ => "none",
    };

    public static PlantedBug Parse(string text) => text.ToLowerInvariant() switch
    {
        "none" => PlantedBug.None,
        "release-before-durable" => PlantedBug.ReleaseBeforeDurable,
        "ignore-tx-index" => PlantedBug.IgnoreTxIndex,
        _ => throw new FormatException($"unknown bug '{text}' (expected none, release-before-durable or ignore-tx-index)"),
    };
}
