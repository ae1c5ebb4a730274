using Aegis.Fuzz.Targets;

namespace Aegis.Fuzz;

/// <summary>Every decoder of untrusted bytes, by family. A new decoder gets a target here and a folder in fuzz/corpus.</summary>
public static class FuzzTargets
{
    public static IReadOnlyList<FuzzTarget> All { get; } =
    [
        .. CodecTargets.All,
        .. P2pTargets.All,
        .. SyncTargets.All,
        .. ConfigTargets.All,
        .. RestTargets.All,
        .. BackupTargets.All,
    ];

    public static FuzzTarget? Find(string name) => All.FirstOrDefault(t => t.Name == name);

    /// <summary>Runs one input; returns null when the decoder behaved, else the finding (an exception that escaped).</summary>
    public static Exception? Try(FuzzTarget target, ReadOnlySpan<byte> input)
    {
        try
        {
            target.Run(input);
            return null;
        }
        catch (Exception ex)
        {
            return ex;
        }
    }
}
