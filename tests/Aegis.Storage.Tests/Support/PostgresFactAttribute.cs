namespace Aegis.Storage.Tests.Support;

/// <summary>A test that needs the PostgreSQL test server: skipped with a hint when there is none, except in CI where it fails.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (PostgresTestEnvironment.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}
