namespace Aegis.Simulation;

/// <summary>The faults a run may draw from (each seed takes its own subset and rates: see <see cref="FaultProfile"/>).</summary>
[Flags]
public enum FaultKinds
{
    None = 0,

    /// <summary>Messages lost on a link.</summary>
    Loss = 1,

    /// <summary>Latency on every link, up to a per-seed maximum.</summary>
    Delay = 2,

    /// <summary>Messages delivered twice.</summary>
    Duplicate = 4,

    /// <summary>Some messages overtaken by later ones.</summary>
    Reorder = 8,

    /// <summary>Symmetric splits, an isolated node, and one-way (asymmetric) cuts.</summary>
    Partition = 16,

    /// <summary>A node's process dies at any instant (also in the middle of a write group) and restarts from its disk.</summary>
    Crash = 32,

    /// <summary>Up to f validators corrupt what they send (silence, equivocation, conflicting votes, forgeries, replays).</summary>
    Byzantine = 64,

    /// <summary>fsync latency spikes.</summary>
    Fsync = 128,

    /// <summary>A disk that fails every write for a while.</summary>
    Disk = 256,

    /// <summary>
    /// A validator's disk is lost: it restarts empty and resyncs under load, or (half the seeds) it is restored from a
    /// backup of itself, keeping its chain but not its consensus record (either counts against f).
    /// </summary>
    Wipe = 512,

    All = Loss | Delay | Duplicate | Reorder | Partition | Crash | Byzantine | Fsync | Disk | Wipe,
}

public static class FaultKindsParser
{
    private static readonly (string Name, FaultKinds Kind)[] Kinds =
    [
        ("loss", FaultKinds.Loss), ("delay", FaultKinds.Delay), ("dup", FaultKinds.Duplicate), ("reorder", FaultKinds.Reorder),
        ("partition", FaultKinds.Partition), ("crash", FaultKinds.Crash), ("byzantine", FaultKinds.Byzantine),
        ("fsync", FaultKinds.Fsync), ("disk", FaultKinds.Disk), ("wipe", FaultKinds.Wipe),
    ];

    public static IEnumerable<FaultKinds> Each(FaultKinds kinds) => Kinds.Select(k => k.Kind).Where(k => kinds.HasFlag(k));

    /// <summary>Parses "all", "none" or a comma-separated list such as "loss,crash"; throws naming the unknown word.</summary>
    public static FaultKinds Parse(string text)
    {
        FaultKinds result = FaultKinds.None;
        foreach (string part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            FaultKinds kind = part.ToLowerInvariant() switch
            {
                "all" => FaultKinds.All,
                "none" => FaultKinds.None,
                "duplicate" => FaultKinds.Duplicate,
                string name => Kinds.FirstOrDefault(k => k.Name == name).Kind is var k && k != FaultKinds.None ? k
                    : throw new FormatException($"unknown fault '{part}' (expected all, none, or a list of: {string.Join(", ", Kinds.Select(k => k.Name))})"),
            };
            result |= kind;
        }

        return result;
    }

    public static string Format(FaultKinds kinds) =>
        kinds == FaultKinds.All ? "all" : kinds == FaultKinds.None ? "none" : string.Join(',', Kinds.Where(k => kinds.HasFlag(k.Kind)).Select(k => k.Name));
}
