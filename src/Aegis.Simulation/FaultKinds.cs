namespace Aegis.Simulation;

[Flags]
public enum FaultKinds
{
    None = 0,
    Loss = 1,
    Delay = 2,
    Duplicate = 4,
    Reorder = 8,
    Partition = 16,
    Crash = 32,
    Byzantine = 64,
    All = Loss | Delay | Duplicate | Reorder | Partition | Crash | Byzantine,
}

public static class FaultKindsParser
{
    private static readonly Dictionary<string, FaultKinds> Names = new(StringComparer.OrdinalIgnoreCase)
    {
        ["none"] = FaultKinds.None,
        ["all"] = FaultKinds.All,
        ["loss"] = FaultKinds.Loss,
        ["delay"] = FaultKinds.Delay,
        ["dup"] = FaultKinds.Duplicate,
        ["duplicate"] = FaultKinds.Duplicate,
        ["reorder"] = FaultKinds.Reorder,
        ["partition"] = FaultKinds.Partition,
        ["crash"] = FaultKinds.Crash,
        ["byzantine"] = FaultKinds.Byzantine,
    };

    /// <summary>Parses "all", "none" or a comma-separated list such as "loss,crash"; throws naming the unknown word.</summary>
    public static FaultKinds Parse(string text)
    {
        FaultKinds result = FaultKinds.None;
        foreach (string part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Names.TryGetValue(part, out FaultKinds kind))
            {
                throw new FormatException($"unknown fault '{part}' (expected all, none, or a list of: loss, delay, dup, reorder, partition, crash, byzantine)");
            }

            result |= kind;
        }

        return result;
    }

    public static string Format(FaultKinds kinds)
    {
        if (kinds == FaultKinds.All)
        {
            return "all";
        }

        if (kinds == FaultKinds.None)
        {
            return "none";
        }

        var parts = new List<string>();
        foreach ((string name, FaultKinds kind) in new[] { ("loss", FaultKinds.Loss), ("delay", FaultKinds.Delay), ("dup", FaultKinds.Duplicate), ("reorder", FaultKinds.Reorder), ("partition", FaultKinds.Partition), ("crash", FaultKinds.Crash), ("byzantine", FaultKinds.Byzantine) })
        {
            if (kinds.HasFlag(kind))
            {
                parts.Add(name);
            }
        }

        return string.Join(',', parts);
    }
}
