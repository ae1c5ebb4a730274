using System.Globalization;

namespace Aegis.Simulation;

/// <summary>
/// The world one seed draws (swarm testing): which of the allowed faults it turns on, and how hard each one hits.
/// Runs then explore very different worlds — one seed a lossy, slow network with a Byzantine primary, the next crashes
/// in the middle of write groups on a disk with fsync spikes — instead of every seed living in the same average one.
/// </summary>
public sealed record FaultProfile
{
    public FaultKinds Kinds { get; init; }

    public double LossRate { get; init; }

    public double DuplicateRate { get; init; }

    public double ReorderRate { get; init; }

    /// <summary>Link latency is 1 ms plus up to this much.</summary>
    public double MaxDelayMs { get; init; }

    /// <summary>Mean time between partitions, and the longest one.</summary>
    public double PartitionEveryMs { get; init; }

    public double MaxPartitionMs { get; init; }

    public double CrashEveryMs { get; init; }

    public double MaxDowntimeMs { get; init; }

    /// <summary>Every write group takes about this long to become durable.</summary>
    public double FsyncMs { get; init; }

    public double FsyncSpikeRate { get; init; }

    public double MaxFsyncSpikeMs { get; init; }

    public double DiskFailureEveryMs { get; init; }

    public double MaxDiskFailureMs { get; init; }

    public int Byzantine { get; init; }

    public bool Wipe { get; init; }

    /// <summary>No faults: reliable links, healthy disks with a fixed fsync time.</summary>
    public static FaultProfile Quiet { get; } = new() { FsyncMs = 0.2, PartitionEveryMs = double.MaxValue, CrashEveryMs = double.MaxValue, DiskFailureEveryMs = double.MaxValue };

    /// <summary>Draws a profile from the faults <paramref name="allowed"/>; each seed turns on its own subset (at least one when any is allowed).</summary>
    public static FaultProfile Draw(SimRandom rng, FaultKinds allowed, int f)
    {
        FaultKinds on = FaultKinds.None;
        List<FaultKinds> candidates = [.. FaultKindsParser.Each(allowed)];
        foreach (FaultKinds kind in candidates)
        {
            if (rng.Chance(0.6))
            {
                on |= kind;
            }
        }

        if (on == FaultKinds.None && candidates.Count > 0)
        {
            on = rng.Pick(candidates);
        }

        if (f == 0)
        {
            // One validator: nothing may lie, and losing its disk loses the chain.
            on &= ~(FaultKinds.Byzantine | FaultKinds.Wipe);
        }

        int byzantine = on.HasFlag(FaultKinds.Byzantine) ? rng.Next(1, f + 1) : 0;
        bool wipe = on.HasFlag(FaultKinds.Wipe) && byzantine < f;
        return new FaultProfile
        {
            Kinds = on,
            LossRate = on.HasFlag(FaultKinds.Loss) ? Uniform(rng, 0.01, 0.25) : 0,
            DuplicateRate = on.HasFlag(FaultKinds.Duplicate) ? Uniform(rng, 0.01, 0.15) : 0,
            ReorderRate = on.HasFlag(FaultKinds.Reorder) ? Uniform(rng, 0.02, 0.3) : 0,
            MaxDelayMs = on.HasFlag(FaultKinds.Delay) ? Uniform(rng, 2, 80) : 0,
            PartitionEveryMs = Uniform(rng, 400, 3000),
            MaxPartitionMs = Uniform(rng, 100, 1500),
            CrashEveryMs = Uniform(rng, 400, 3000),
            MaxDowntimeMs = Uniform(rng, 20, 2000),
            FsyncMs = Uniform(rng, 0.05, 2),
            FsyncSpikeRate = on.HasFlag(FaultKinds.Fsync) ? Uniform(rng, 0.01, 0.2) : 0,
            MaxFsyncSpikeMs = Uniform(rng, 20, 500),
            DiskFailureEveryMs = Uniform(rng, 800, 4000),
            MaxDiskFailureMs = Uniform(rng, 50, 800),
            Byzantine = byzantine,
            Wipe = wipe,
        };
    }

    public override string ToString()
    {
        var parts = new List<string> { $"faults {FaultKindsParser.Format(Kinds)}" };
        if (LossRate > 0)
        {
            parts.Add(Invariant($"loss {LossRate:P0}"));
        }

        if (DuplicateRate > 0)
        {
            parts.Add(Invariant($"dup {DuplicateRate:P0}"));
        }

        if (ReorderRate > 0)
        {
            parts.Add(Invariant($"reorder {ReorderRate:P0}"));
        }

        if (MaxDelayMs > 0)
        {
            parts.Add(Invariant($"delay ≤{MaxDelayMs:F0} ms"));
        }

        if (Kinds.HasFlag(FaultKinds.Partition))
        {
            parts.Add(Invariant($"partitions every ~{PartitionEveryMs:F0} ms for ≤{MaxPartitionMs:F0} ms"));
        }

        if (Kinds.HasFlag(FaultKinds.Crash))
        {
            parts.Add(Invariant($"crashes every ~{CrashEveryMs:F0} ms, down ≤{MaxDowntimeMs:F0} ms"));
        }

        parts.Add(Invariant($"fsync {FsyncMs:F2} ms") + (FsyncSpikeRate > 0 ? Invariant($", spikes {FsyncSpikeRate:P0} ≤{MaxFsyncSpikeMs:F0} ms") : ""));
        if (Kinds.HasFlag(FaultKinds.Disk))
        {
            parts.Add(Invariant($"disk failures every ~{DiskFailureEveryMs:F0} ms for ≤{MaxDiskFailureMs:F0} ms"));
        }

        if (Byzantine > 0)
        {
            parts.Add($"{Byzantine} byzantine");
        }

        if (Wipe)
        {
            parts.Add("one wipe or restore");
        }

        return string.Join("; ", parts);
    }

    private static double Uniform(SimRandom rng, double min, double max) => min + ((rng.NextU64() >> 11) * (1.0 / (1UL << 53)) * (max - min));

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
