using Aegis.Core.Crypto;

namespace Aegis.Storage;

/// <summary>Which engine holds a node's data and where. Bound from the <c>storage</c> section of the config plus <c>node.data_dir</c>.</summary>
public sealed class StorageOptions
{
    public const string Sqlite = "sqlite";
    public const string PostgreSql = "postgresql";

    /// <summary><c>sqlite</c> (default; one file under <see cref="DataDirectory"/>) or <c>postgresql</c>.</summary>
    public string Type { get; set; } = Sqlite;

    /// <summary>The node's data directory; the SQLite store keeps <c>aegis.db</c> here.</summary>
    public string? DataDirectory { get; set; }

    /// <summary>PostgreSQL only: an Npgsql connection string or a <c>postgresql://user:password@host:port/database</c> URL.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// PostgreSQL only: the schema that holds this node's tables, created when missing. Nodes sharing one database
    /// need one schema each; null uses the connection's search path (normally <c>public</c>).
    /// </summary>
    public string? Schema { get; set; }

    /// <summary>
    /// When set, block 1 must name this hash as its previous hash (the chain's genesis hash); when null the store
    /// accepts any previous hash at height 1 and leaves that check to consensus.
    /// </summary>
    public Hash32? GenesisHash { get; set; }

    /// <summary>One line per problem, naming the setting; empty when the options can be used.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        switch (NormalizedType)
        {
            case Sqlite:
                if (string.IsNullOrWhiteSpace(DataDirectory))
                {
                    problems.Add("node.data_dir: required for the sqlite store (the directory that holds aegis.db)");
                }

                break;
            case PostgreSql:
                if (string.IsNullOrWhiteSpace(ConnectionString))
                {
                    problems.Add("storage.connection_string: required when storage.type is postgresql (or set AEGIS_DATABASE_URL)");
                }

                if (Schema is not null && !PostgresIdentifier.IsValid(Schema))
                {
                    problems.Add($"storage.schema: '{Schema}' is not a plain identifier (lower-case letters, digits and _, at most 63, not starting with a digit)");
                }

                break;
            default:
                problems.Add($"storage.type: expected {Sqlite} or {PostgreSql}, got '{Type}'");
                break;
        }

        return problems;
    }

    /// <summary>The password inside <see cref="ConnectionString"/>, or null: what diagnostics must scrub from anything they print.</summary>
    public string? ConnectionPassword()
    {
        try
        {
            return string.IsNullOrEmpty(ConnectionString) ? null : Postgres.PostgresConnectionString.Parse(ConnectionString).Password;
        }
        catch (StorageException)
        {
            return null;
        }
    }

    /// <summary>The engine name as the store factory reads it: <see cref="Sqlite"/> or <see cref="PostgreSql"/> when valid.</summary>
    public string NormalizedType => (Type ?? "").Trim().ToLowerInvariant();
}
