using Aegis.Storage;

namespace Aegis.Content.Tests.Support;

/// <summary>
/// The two storage engines a system's own tables must work on: SQLite in a temp directory, and the PostgreSQL test
/// server (AEGIS_TEST_POSTGRES_URL; required when CI=true, otherwise skipped with a hint) in a fresh schema.
/// </summary>
public static class Engines
{
    public const string PostgresVariable = "AEGIS_TEST_POSTGRES_URL";

    public static TheoryData<string> All => new() { "sqlite", "postgresql" };

    public static string? PostgresUrl => Environment.GetEnvironmentVariable(PostgresVariable) is { Length: > 0 } v ? v : null;

    /// <summary>Options for a fresh store on <paramref name="engine"/>, or null when PostgreSQL is absent outside CI (the test returns early, saying so).</summary>
    public static StorageOptions? Options(string engine, string tempDir)
    {
        if (engine == "sqlite")
        {
            return new StorageOptions { Type = "sqlite", DataDirectory = tempDir };
        }

        if (PostgresUrl is null)
        {
            return ExternalTools.IsCi
                ? throw new InvalidOperationException($"CI=true but {PostgresVariable} is not set: scripts/test-postgres.sh start prints it")
                : null;
        }

        return new StorageOptions { Type = "postgresql", ConnectionString = PostgresUrl, Schema = "t_" + Guid.NewGuid().ToString("N")[..12] };
    }
}
