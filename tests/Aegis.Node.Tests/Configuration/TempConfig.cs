using Aegis.Node.Configuration;

namespace Aegis.Node.Tests.Configuration;

/// <summary>A throwaway folder holding one config.yaml, so path resolution and file errors are tested for real.</summary>
public abstract class TempConfig : IDisposable
{
    protected TempConfig() => Directory.CreateDirectory(Dir);

    protected string Dir { get; } = Path.Combine(Path.GetTempPath(), "aegis-config-" + Guid.NewGuid().ToString("N")[..8]);

    protected string ConfigPath => Path.Combine(Dir, "config.yaml");

    public void Dispose()
    {
        Directory.Delete(Dir, recursive: true);
        GC.SuppressFinalize(this);
    }

    protected ConfigResult Load(string yaml, Dictionary<string, string?>? env = null)
    {
        File.WriteAllText(ConfigPath, yaml);
        return ConfigLoader.Load(ConfigPath, env ?? []);
    }

    protected static string Lines(ConfigResult r) => string.Join("\n", r.Problems);
}
