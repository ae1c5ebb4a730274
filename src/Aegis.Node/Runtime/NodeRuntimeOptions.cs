using Aegis.Core.Consensus;

namespace Aegis.Node.Runtime;

public sealed record NodeRuntimeOptions
{
    public string NodeId { get; init; } = "node";

    /// <summary>Length of one logical tick; replica timeouts are counted in ticks.</summary>
    public int TickMs { get; init; } = 50;

    public ReplicaOptions Replica { get; init; } = new();
}
