using Microsoft.Data.Sqlite;

namespace Aegis.Knowledge.Storage;

/// <summary>
/// SQLite (the default): one file, <c>knowledge.db</c> in the data dir, WAL mode with synchronous=FULL as the node's
/// store (an acknowledged upload survives a power cut). One connection, one operation at a time: writes serialise in
/// SQLite anyway, and reads happen only at start (searches run on the in-memory indexes).
/// </summary>
public sealed class SqliteKnowledgeStore : SqlKnowledgeStore
{
    private readonly SqliteConnection _connection;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly string _path;

    public SqliteKnowledgeStore(string path)
        : base(SqlDialect.Sqlite)
    {
        _path = path;
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
    }

    public override string Description => $"sqlite {_path}";

    public override async Task InitializeAsync(CancellationToken ct)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(_path))!);
        await _connection.OpenAsync(ct);
        await using (SqliteCommand pragma = _connection.CreateCommand())
        {
            pragma.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;";
            await pragma.ExecuteNonQueryAsync(ct);
        }

        await base.InitializeAsync(ct);
    }

    protected override async ValueTask<ConnectionLease> OpenAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        return new ConnectionLease(_connection, () =>
        {
            _gate.Release();
            return ValueTask.CompletedTask;
        });
    }

    public override async ValueTask DisposeAsync()
    {
        await _connection.DisposeAsync();
        _gate.Dispose();
        await base.DisposeAsync();
    }
}
