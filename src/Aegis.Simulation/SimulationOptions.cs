namespace Aegis.Simulation;

/// <summary>The shape of one simulated execution; with a seed it determines the whole run.</summary>
public sealed record SimulationOptions
{
    public int Replicas { get; init; } = 4;

    /// <summary>The faults seeds may draw from; each seed turns on its own subset (see <see cref="FaultProfile"/>).</summary>
    public FaultKinds Faults { get; init; } = FaultKinds.All;

    /// <summary>Client transactions, submitted at random instants of the faulty period.</summary>
    public int Transactions { get; init; } = 60;

    /// <summary>Faults happen during this much simulated time; afterwards links are reliable, disks healthy, every node up.</summary>
    public TimeSpan FaultTime { get; init; } = TimeSpan.FromSeconds(8);

    /// <summary>After faults heal, every transaction must commit on every honest node within this much simulated time.</summary>
    public TimeSpan LivenessBound { get; init; } = TimeSpan.FromSeconds(40);

    public int CheckpointInterval { get; init; } = 8;

    public int PipelineDepth { get; init; } = 3;

    /// <summary>
    /// Recent heights a replica keeps in memory; older repeats must be caught through the tx index. Small here so runs
    /// go far past it (production default: 256).
    /// </summary>
    public int DedupHorizonBlocks { get; init; } = 8;

    public int MaxBlockTxs { get; init; } = 8;

    /// <summary>Simulator-only fault injection: replicas count this many votes as a quorum (<c>--unsafe-quorum</c>).</summary>
    public int? UnsafeQuorumOverride { get; init; }

    /// <summary>Simulator-only fault injection: a writer bug planted in every node's host (<c>--plant-bug</c>).</summary>
    public PlantedBug Bug { get; init; }

    /// <summary>When set, a human-readable trace of the run (faults, commits, view changes, replica traces) is written here.</summary>
    public TextWriter? Log { get; init; }
}

/// <summary>Bugs the simulator can plant in the production host, to prove its checker catches them.</summary>
public enum PlantedBug
{
    None,

    /// <summary>The writer releases a group's messages and acknowledgements as soon as the group is handed to the store.</summary>
    ReleaseBeforeDurable,

    /// <summary>The host never consults the tx index: only the recent window catches a repeated transaction.</summary>
    IgnoreTxIndex,
}
