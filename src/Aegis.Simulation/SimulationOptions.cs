namespace Aegis.Simulation;

/// <summary>The shape of one simulated execution; with a seed it determines the whole run.</summary>
public sealed record SimulationOptions
{
    public int Replicas { get; init; } = 4;

    public FaultKinds Faults { get; init; } = FaultKinds.All;

    /// <summary>Client transactions submitted during the faulty period.</summary>
    public int Transactions { get; init; } = 60;

    /// <summary>Faults happen in ticks [0, FaultTicks); afterwards the network is reliable and every replica is up.</summary>
    public int FaultTicks { get; init; } = 800;

    /// <summary>After faults stop, every submitted transaction must commit on every honest replica within this many ticks.</summary>
    public int LivenessTicks { get; init; } = 4000;

    public double LossRate { get; init; } = 0.05;

    public double DuplicateRate { get; init; } = 0.03;

    public int MaxDelayTicks { get; init; } = 6;

    /// <summary>Test hook: replicas count this many votes as a quorum instead of the safe size. Used to prove the checker can fail.</summary>
    public int? UnsafeQuorumOverride { get; init; }

    public int CheckpointInterval { get; init; } = 8;

    public int PipelineDepth { get; init; } = 3;

    /// <summary>When set, a human-readable trace of the run (commits, view changes, faults, replica traces) is written here.</summary>
    public TextWriter? Log { get; init; }
}
