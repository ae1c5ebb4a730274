namespace Aegis.Storage.Tests.Support;

/// <summary>
/// Where the PostgreSQL tests find their server. Absent on a developer machine, they are skipped with a hint;
/// absent in CI (CI=true), they run and fail, because a CI run that silently skips a storage engine proves nothing.
/// </summary>
internal static class PostgresTestEnvironment
{
    public const string Variable = "AEGIS_TEST_POSTGRES_URL";

    public const string Hint = "set AEGIS_TEST_POSTGRES_URL (scripts/test-postgres.sh start prints it) to run";

    public static string? ConnectionString => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } value ? value : null;

    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>The skip reason for a PostgreSQL test, or null when it must run.</summary>
    public static string? SkipReason => ConnectionString is null && !IsCi ? Hint : null;

    /// <exception cref="InvalidOperationException">the variable is missing (only reached when CI=true).</exception>
    public static string RequireConnectionString() =>
        ConnectionString ?? throw new InvalidOperationException(
            $"CI=true but {Variable} is not set: the PostgreSQL storage tests must run in CI. Start the private server with scripts/test-postgres.sh start and export what it prints as {Variable}.");
}
