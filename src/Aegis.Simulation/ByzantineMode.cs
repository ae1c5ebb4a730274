namespace Aegis.Simulation;

/// <summary>How a Byzantine replica misbehaves. It runs the real replica code and corrupts what it sends.</summary>
public enum ByzantineMode
{
    /// <summary>Sends nothing at all.</summary>
    Silent,

    /// <summary>As primary, proposes a different block to half the replicas.</summary>
    Equivocate,

    /// <summary>Votes for a different block towards half the replicas.</summary>
    ConflictingVotes,

    /// <summary>Sends messages under other validators' names, bit-flipped signatures and garbage bytes.</summary>
    Forge,

    /// <summary>Replays old messages it has seen to random replicas.</summary>
    Replay,

    /// <summary>Does all of the above at random.</summary>
    Mixed,
}
