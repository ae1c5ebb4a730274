namespace Aegis.Cluster.Tests;

/// <summary>
/// A test that needs the PostgreSQL server named by AEGIS_TEST_POSTGRES_URL. Locally, without it, the test is
/// reported skipped with how to run it; in CI (CI=true) it runs and fails loudly if the server is missing.
/// </summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (string.IsNullOrEmpty(Url) && !string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Skip = "set AEGIS_TEST_POSTGRES_URL (scripts/test-postgres.sh start prints it) to run";
        }
    }

    public static string? Url => Environment.GetEnvironmentVariable("AEGIS_TEST_POSTGRES_URL");
}
