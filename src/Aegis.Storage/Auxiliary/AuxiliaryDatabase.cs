using System.Data.Common;
using Aegis.Storage.Postgres;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Aegis.Storage.Auxiliary;

/// <summary>
/// The database a system built on the node (content store, chat) keeps its own tables in, on the node's engine:
/// with SQLite a file <c>NAME.db</c> beside <c>aegis.db</c> (WAL, <c>synchronous=FULL</c> for the same reason as the
/// node store), with PostgreSQL the node's database and schema, tables prefixed <c>NAME_</c> by their owner. Its SQL is
/// written once for both engines: named <c>@p</c> parameters and <c>INSERT … ON CONFLICT</c> work in both, and
/// <see cref="BlobType"/> names the one type that differs.
/// <para>One writer at a time (<see cref="WriteAsync"/>); reads borrow a pooled connection and may run concurrently.</para>
/// </summary>
public sealed class AuxiliaryDatabase : IAsyncDisposable
{
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly string? _sqliteConnectionString;
    private readonly NpgsqlDataSource? _postgres;

    private readonly string? _schema;

    private AuxiliaryDatabase(string description, string? sqlite, NpgsqlDataSource? postgres, string? schema = null)
    {
        _schema = schema;
        Description = description;
        _sqliteConnectionString = sqlite;
        _postgres = postgres;
    }

    public string Description { get; }

    public bool IsPostgres => _postgres is not null;

    /// <summary>BLOB or BYTEA.</summary>
    public string BlobType => IsPostgres ? "BYTEA" : "BLOB";

    /// <exception cref="ArgumentException">the options are unusable (one line per problem).</exception>
    public static AuxiliaryDatabase Create(StorageOptions options, string name)
    {
        IReadOnlyList<string> problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join(Environment.NewLine, problems));
        }

        if (options.NormalizedType == StorageOptions.PostgreSql)
        {
            NpgsqlConnectionStringBuilder settings = PostgresConnectionString.Parse(options.ConnectionString!);
            if (options.Schema is not null)
            {
                settings.SearchPath = options.Schema;
            }

            settings.ApplicationName ??= "aegis-" + name;
            if (settings.MaxAutoPrepare == 0)
            {
                settings.MaxAutoPrepare = 32;
            }

            return new AuxiliaryDatabase($"{name} tables in {PostgresConnectionString.Describe(settings, options.Schema)}", null, NpgsqlDataSource.Create(settings), options.Schema);
        }

        string directory = Path.GetFullPath(options.DataDirectory!);
        string file = Path.Combine(directory, name + ".db");
        Directory.CreateDirectory(directory);
        string cs = new SqliteConnectionStringBuilder { DataSource = file, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = true, DefaultTimeout = 30 }.ToString();
        return new AuxiliaryDatabase($"sqlite {file}", cs, null);
    }

    /// <summary>Creates the owner's tables (idempotent DDL) and, for SQLite, turns on WAL.</summary>
    /// <exception cref="StorageException">the database cannot be opened or refuses the schema.</exception>
    public async Task InitializeAsync(IEnumerable<string> ddl, CancellationToken ct)
    {
        try
        {
            await using DbConnection c = await OpenAsync(ct).ConfigureAwait(false);
            if (!IsPostgres)
            {
                await using DbCommand wal = c.CreateCommand();
                wal.CommandText = "PRAGMA journal_mode = WAL";
                string? mode = (string?)await wal.ExecuteScalarAsync(ct).ConfigureAwait(false);
                if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
                {
                    throw new StorageException($"{Description}: the database refused WAL mode (journal mode is '{mode}')");
                }
            }

            if (_schema is not null)
            {
                // The node store makes its schema too; whichever opens first creates it. The name was checked by StorageOptions.
                await using DbCommand schema = c.CreateCommand();
                schema.CommandText = $"CREATE SCHEMA IF NOT EXISTS \"{_schema}\"";
                await schema.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }

            foreach (string statement in ddl)
            {
                await using DbCommand cmd = c.CreateCommand();
                cmd.CommandText = statement;
                await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }
        }
        catch (DbException ex)
        {
            throw new StorageException($"{Description}: cannot open the database: {ErrorText.Flatten(ex)}", ex);
        }
    }

    /// <summary>A pooled connection for reads (the caller disposes it).</summary>
    public async Task<DbConnection> OpenAsync(CancellationToken ct)
    {
        if (_postgres is not null)
        {
            return await _postgres.OpenConnectionAsync(ct).ConfigureAwait(false);
        }

        var c = new SqliteConnection(_sqliteConnectionString);
        await c.OpenAsync(ct).ConfigureAwait(false);
        return c;
    }

    /// <summary>Runs <paramref name="work"/> in one transaction under the write lock; durable when the task completes.</summary>
    public async Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken ct)
    {
        await _writeLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            await using DbConnection c = await OpenAsync(ct).ConfigureAwait(false);
            if (!IsPostgres)
            {
                // Per connection, and pooled connections keep it; readers need no durability setting, so only writers pay.
                await using DbCommand pragma = c.CreateCommand();
                pragma.CommandText = "PRAGMA synchronous = FULL";
                await pragma.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }

            await using DbTransaction tx = await c.BeginTransactionAsync(ct).ConfigureAwait(false);
            T result = await work(c, tx).ConfigureAwait(false);
            await tx.CommitAsync(ct).ConfigureAwait(false);
            return result;
        }
        catch (DbException ex)
        {
            throw new StorageException($"{Description}: write failed: {ErrorText.Flatten(ex)}", ex);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_postgres is not null)
        {
            await _postgres.DisposeAsync().ConfigureAwait(false);
        }

        _writeLock.Dispose();
    }
}
