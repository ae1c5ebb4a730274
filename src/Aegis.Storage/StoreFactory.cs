using Aegis.Storage.Postgres;
using Aegis.Storage.Sqlite;

namespace Aegis.Storage;

/// <summary>Builds the store that <see cref="StorageOptions.Type"/> names. The caller then runs <see cref="INodeStore.InitializeAsync"/>.</summary>
public static class StoreFactory
{
    /// <exception cref="ArgumentException">the options are unusable; the message has one line per problem.</exception>
    /// <exception cref="StorageException">the PostgreSQL connection string does not parse.</exception>
    public static INodeStore Create(StorageOptions options)
    {
        IReadOnlyList<string> problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join(Environment.NewLine, problems));
        }

        return options.NormalizedType == StorageOptions.PostgreSql
            ? new PostgresNodeStore(options.ConnectionString!, options.Schema, options.GenesisHash)
            : new SqliteNodeStore(options.DataDirectory!, options.GenesisHash);
    }
}
