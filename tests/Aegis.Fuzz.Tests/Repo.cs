namespace Aegis.Fuzz.Tests;

/// <summary>Paths in the checkout the tests run from.</summary>
internal static class Repo
{
    public static string Root { get; } = Find();

    public static string Fuzz => Path.Combine(Root, "fuzz");

    /// <summary>The seed corpus (fuzz/corpus/TARGET) and the crashing inputs kept as regressions (fuzz/regressions/TARGET).</summary>
    public static IEnumerable<string> Inputs(string target) =>
        new[] { "corpus", "regressions" }
            .Select(folder => Path.Combine(Fuzz, folder, target))
            .Where(Directory.Exists)
            .SelectMany(d => Directory.EnumerateFiles(d))
            .Order(StringComparer.Ordinal);

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Aegis.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no Aegis.slnx above {AppContext.BaseDirectory}");
    }
}
