namespace Aegis.Kits.Tests.Support;

/// <summary>Paths in the checkout the tests run from.</summary>
public static class Repo
{
    public static string Root { get; } = FindRoot();

    public static string Deploy => Path.Combine(Root, "deploy");

    public static string Path_(params string[] parts) => Path.Combine([Root, .. parts]);

    public static string Read(params string[] parts) => File.ReadAllText(Path_(parts));

    /// <summary>The built `aegis` apphost next to the test assembly (the test project references Aegis.Cli).</summary>
    public static string Aegis
    {
        get
        {
            string apphost = Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "aegis.exe" : "aegis");
            return File.Exists(apphost) ? apphost : throw new FileNotFoundException($"the aegis executable is not next to the tests: {apphost}");
        }
    }

    public static string TempDir(string prefix)
    {
        string dir = Path.Combine(Path.GetTempPath(), $"aegis-kits-{prefix}-{Guid.NewGuid().ToString("N")[..8]}");
        Directory.CreateDirectory(dir);
        return dir;
    }

    public static void CopyDirectory(string from, string to)
    {
        foreach (string dir in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(dir.Replace(from, to, StringComparison.Ordinal));
        }

        Directory.CreateDirectory(to);
        foreach (string file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, file.Replace(from, to, StringComparison.Ordinal), overwrite: true);
        }
    }

    private static string FindRoot()
    {
        for (string? dir = AppContext.BaseDirectory; dir is not null; dir = Path.GetDirectoryName(dir))
        {
            if (File.Exists(Path.Combine(dir, "Aegis.slnx")))
            {
                return dir;
            }
        }

        throw new DirectoryNotFoundException("no Aegis.slnx above " + AppContext.BaseDirectory);
    }
}
