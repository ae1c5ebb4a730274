namespace Aegis.Knowledge.Tests.Support;

/// <summary>Paths in the checkout (found by walking up to Aegis.slnx) and the shared test data beside it.</summary>
public static class RepositoryPaths
{
    public static string Root { get; } = Find();

    /// <summary>../shared/data/cranfield (read in place, never copied into the repository).</summary>
    public static string Cranfield => Path.GetFullPath(Path.Combine(Root, "..", "shared", "data", "cranfield"));

    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    private static string Find()
    {
        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "Aegis.slnx")))
            {
                return d.FullName;
            }
        }

        throw new InvalidOperationException($"no Aegis.slnx above {AppContext.BaseDirectory}");
    }
}
