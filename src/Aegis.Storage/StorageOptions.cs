namespace Aegis.Storage;

public sealed record StorageOptions(string Type, string DataDirectory, string? ConnectionString, string? Schema = null);

public static class StoreFactory
{
    /// <summary>Creates the configured engine (not yet initialized); throws <see cref="StorageException"/> naming a bad type or a missing connection string.</summary>
    public static INodeStore Create(StorageOptions options) => options.Type.ToLowerInvariant() switch
    {
        "sqlite" => new Sqlite.SqliteNodeStore(options.DataDirectory),
        "postgresql" or "postgres" => string.IsNullOrWhiteSpace(options.ConnectionString)
            ? throw new StorageException("storage.connection_string: empty — storage.type postgresql needs a connection string (or AEGIS_DATABASE_URL)")
            : new Postgres.PostgresNodeStore(options.ConnectionString, options.Schema),
        _ => throw new StorageException($"storage.type: {options.Type} — expected sqlite or postgresql"),
    };
}
