namespace Aegis.Node.Configuration;

/// <summary>The outcome of loading a config: the effective config, or every problem found (one line each, secrets masked).</summary>
public sealed record ConfigResult(AegisConfig? Config, IReadOnlyList<string> Problems, string ConfigDirectory)
{
    public bool Ok => Problems.Count == 0 && Config is not null;
}
