using Aegis.Core.Consensus;

namespace Aegis.Simulation;

/// <summary>One simulated validator: its replica (lost on a crash), its durable storage (kept), and its fault role.</summary>
public sealed class SimNode(int index, ByzantineMode? byzantine, SimRandom rng)
{
    public int Index { get; } = index;

    public ByzantineMode? Byzantine { get; } = byzantine;

    public bool IsByzantine => Byzantine is not null;

    public bool IsHonest => Byzantine is null;

    public SimRandom Rng { get; } = rng;

    public Replica? Replica { get; set; }

    public SimStorage Storage { get; } = new();

    public bool Crashed { get; set; }

    public long RestartAt { get; set; }

    /// <summary>Payloads a Byzantine node has received, for replay attacks.</summary>
    public List<byte[]> Seen { get; } = [];
}
