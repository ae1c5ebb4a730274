namespace Aegis.Simulation;

/// <summary>What one seeded execution did and every invariant it broke.</summary>
public sealed record SimulationResult(
    ulong Seed,
    SimulationOptions Options,
    IReadOnlyList<string> Violations,
    int TicksRun,
    int TransactionsSubmitted,
    int TransactionsCommitted,
    ulong Height,
    long MessagesDelivered,
    long MessagesDropped,
    long MessagesRejected,
    int ViewChanges,
    int Crashes,
    int Partitions,
    int EvidenceReports,
    string TraceHash)
{
    public bool Ok => Violations.Count == 0;

    /// <summary>The command that replays this exact execution.</summary>
    public string ReplayCommand =>
        $"aegis sim --seed {Seed} --replicas {Options.Replicas} --faults {FaultKindsParser.Format(Options.Faults)}";
}
