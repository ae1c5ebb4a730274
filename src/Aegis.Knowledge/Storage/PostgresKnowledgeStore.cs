using Npgsql;

namespace Aegis.Knowledge.Storage;

/// <summary>PostgreSQL (<c>storage.type: postgresql</c>): pooled connections from one data source; tables in <c>storage.schema</c> if set.</summary>
public sealed class PostgresKnowledgeStore : SqlKnowledgeStore
{
    private readonly NpgsqlDataSource _source;
    private readonly string? _schema;

    public PostgresKnowledgeStore(string connectionString, string? schema)
        : base(SqlDialect.Postgres(schema))
    {
        _source = NpgsqlDataSource.Create(connectionString);
        _schema = schema;
    }

    public override string Description => $"postgresql {_source.ConnectionString.Split(';').FirstOrDefault(p => p.StartsWith("Host", StringComparison.OrdinalIgnoreCase))}{(_schema is null ? "" : $" schema {_schema}")}";

    public override async Task InitializeAsync(CancellationToken ct)
    {
        if (!string.IsNullOrEmpty(_schema))
        {
            await using NpgsqlCommand cmd = _source.CreateCommand($"CREATE SCHEMA IF NOT EXISTS \"{_schema}\"");
            await cmd.ExecuteNonQueryAsync(ct);
        }

        await base.InitializeAsync(ct);
    }

    protected override async ValueTask<ConnectionLease> OpenAsync(CancellationToken ct)
    {
        NpgsqlConnection connection = await _source.OpenConnectionAsync(ct);
        return new ConnectionLease(connection, connection.DisposeAsync);
    }

    public override async ValueTask DisposeAsync()
    {
        await _source.DisposeAsync();
        await base.DisposeAsync();
    }
}
