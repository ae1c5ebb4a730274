namespace Aegis.Content.Tests.Support;

/// <summary>Where the checkout is, found by walking up from the test assembly to Aegis.slnx.</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string ContentNpm => Path.Combine(Root, "tests", "Aegis.Content.Tests", "npm");

    private static string FindRoot()
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
