namespace Aegis.Mesh.Tests;

/// <summary>Shared test data is read where it lies (../shared/data beside the repository), never copied in.</summary>
internal static class TestData
{
    public static string NoiseVectorsPath
    {
        get
        {
            for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "shared", "data", "noise", "cacophony.json");
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }

            string fallback = Environment.GetEnvironmentVariable("AEGIS_SHARED_DIR") is { Length: > 0 } shared
                ? Path.Combine(shared, "data", "noise", "cacophony.json")
                : "/work/shared/data/noise/cacophony.json";
            return File.Exists(fallback) ? fallback : throw new FileNotFoundException("the Noise test vectors (shared/data/noise/cacophony.json) were not found beside the repository; set AEGIS_SHARED_DIR", fallback);
        }
    }
}
