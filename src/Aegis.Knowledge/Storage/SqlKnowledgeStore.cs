using System.Data.Common;

namespace Aegis.Knowledge.Storage;

/// <summary>
/// The knowledge schema over ADO.NET, shared by both engines (the SQL is the common subset of SQLite and
/// PostgreSQL: ON CONFLICT upserts, named parameters); subclasses only say how a connection is obtained.
/// </summary>
public abstract class SqlKnowledgeStore : IKnowledgeStore
{
    private readonly SqlDialect _sql;
    private long _seq;

    private protected SqlKnowledgeStore(SqlDialect dialect) => _sql = dialect;

    public abstract string Description { get; }

    /// <summary>A connection for one operation; disposing the lease returns or closes it.</summary>
    protected abstract ValueTask<ConnectionLease> OpenAsync(CancellationToken ct);

    public virtual async Task InitializeAsync(CancellationToken ct)
    {
        await using ConnectionLease lease = await OpenAsync(ct);
        foreach (string ddl in _sql.Schema())
        {
            await Execute(lease.Connection, null, ddl, ct);
        }

        await using DbCommand max = Command(lease.Connection, null, $"SELECT COALESCE(MAX(seq), 0) FROM {_sql.Points}");
        _seq = Convert.ToInt64(await max.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task<IReadOnlyList<CollectionRecord>> LoadCollectionsAsync(CancellationToken ct)
    {
        await using ConnectionLease lease = await OpenAsync(ct);
        await using DbCommand cmd = Command(lease.Connection, null, $"SELECT name, dims, distance, managed, created_at FROM {_sql.Collections} ORDER BY name");
        await using DbDataReader r = await cmd.ExecuteReaderAsync(ct);
        var list = new List<CollectionRecord>();
        while (await r.ReadAsync(ct))
        {
            list.Add(new CollectionRecord(r.GetString(0), Convert.ToInt32(r.GetValue(1), System.Globalization.CultureInfo.InvariantCulture), r.GetString(2), Convert.ToInt64(r.GetValue(3), System.Globalization.CultureInfo.InvariantCulture) != 0, r.GetInt64(4)));
        }

        return list;
    }

    public async Task<bool> CreateCollectionAsync(CollectionRecord collection, CancellationToken ct)
    {
        CollectionRecord c = collection;
        await using ConnectionLease lease = await OpenAsync(ct);
        int n = await Execute(lease.Connection, null, $"INSERT INTO {_sql.Collections} (name, dims, distance, managed, created_at) VALUES (@name, @dims, @distance, @managed, @created) ON CONFLICT (name) DO NOTHING", ct,
            ("name", c.Name), ("dims", c.Dimensions), ("distance", c.Distance), ("managed", c.Managed ? 1 : 0), ("created", c.CreatedAtMs));
        return n == 1;
    }

    public async Task<bool> DeleteCollectionAsync(string name, CancellationToken ct)
    {
        await using ConnectionLease lease = await OpenAsync(ct);
        await using DbTransaction tx = await lease.Connection.BeginTransactionAsync(ct);
        await Execute(lease.Connection, tx, $"DELETE FROM {_sql.Points} WHERE collection = @name", ct, ("name", name));
        await Execute(lease.Connection, tx, $"DELETE FROM {_sql.Documents} WHERE collection = @name", ct, ("name", name));
        int n = await Execute(lease.Connection, tx, $"DELETE FROM {_sql.Collections} WHERE name = @name", ct, ("name", name));
        await tx.CommitAsync(ct);
        return n == 1;
    }

    public async Task<IReadOnlyList<StoredPoint>> LoadPointsAsync(string collection, CancellationToken ct)
    {
        await using ConnectionLease lease = await OpenAsync(ct);
        await using DbCommand cmd = Command(lease.Connection, null, $"SELECT id, vector, payload, text, owner, area_id, doc_id, model, model_version FROM {_sql.Points} WHERE collection = @c ORDER BY seq", ("c", collection));
        await using DbDataReader r = await cmd.ExecuteReaderAsync(ct);
        var list = new List<StoredPoint>();
        while (await r.ReadAsync(ct))
        {
            list.Add(new StoredPoint(r.GetString(0), VectorBytes.To((byte[])r.GetValue(1)), r.GetString(2), Text(r, 3), Text(r, 4), Text(r, 5), Text(r, 6), r.GetString(7), r.GetString(8)));
        }

        return list;
    }

    public async Task UpsertPointsAsync(string collection, IReadOnlyList<StoredPoint> points, CancellationToken ct)
    {
        await using ConnectionLease lease = await OpenAsync(ct);
        await using DbTransaction tx = await lease.Connection.BeginTransactionAsync(ct);
        await InsertPoints(lease.Connection, tx, collection, points, ct);
        await tx.CommitAsync(ct);
    }

    public async Task<int> DeletePointsAsync(string collection, IReadOnlyList<string> ids, CancellationToken ct)
    {
        await using ConnectionLease lease = await OpenAsync(ct);
        await using DbTransaction tx = await lease.Connection.BeginTransactionAsync(ct);
        int n = 0;
        foreach (string id in ids)
        {
            n += await Execute(lease.Connection, tx, $"DELETE FROM {_sql.Points} WHERE collection = @c AND id = @id", ct, ("c", collection), ("id", id));
        }

        await tx.CommitAsync(ct);
        return n;
    }

    public async Task AddDocumentAsync(DocumentRecord document, IReadOnlyList<StoredPoint> chunks, CancellationToken ct)
    {
        DocumentRecord d = document;
        await using ConnectionLease lease = await OpenAsync(ct);
        await using DbTransaction tx = await lease.Connection.BeginTransactionAsync(ct);
        await Execute(lease.Connection, tx, $"INSERT INTO {_sql.Documents} (id, collection, owner, area_id, file_name, format, bytes, sha256, chunks, model, model_version, created_at, original_path) VALUES (@id, @collection, @owner, @area, @file, @format, @bytes, @sha, @chunks, @model, @version, @created, @original)", ct,
            ("id", d.Id), ("collection", d.Collection), ("owner", d.Owner), ("area", d.AreaId), ("file", d.FileName), ("format", d.Format), ("bytes", d.Bytes), ("sha", d.Sha256), ("chunks", d.Chunks), ("model", d.Model), ("version", d.ModelVersion), ("created", d.CreatedAtMs), ("original", d.OriginalPath));
        await InsertPoints(lease.Connection, tx, d.Collection, chunks, ct);
        await tx.CommitAsync(ct);
    }

    public async Task<IReadOnlyList<DocumentRecord>> ListDocumentsAsync(CancellationToken ct)
    {
        await using ConnectionLease lease = await OpenAsync(ct);
        await using DbCommand cmd = Command(lease.Connection, null, $"{SelectDocument} ORDER BY created_at, id");
        return await ReadDocuments(cmd, ct);
    }

    public async Task<DocumentRecord?> GetDocumentAsync(string id, CancellationToken ct)
    {
        await using ConnectionLease lease = await OpenAsync(ct);
        await using DbCommand cmd = Command(lease.Connection, null, $"{SelectDocument} WHERE id = @id", ("id", id));
        IReadOnlyList<DocumentRecord> found = await ReadDocuments(cmd, ct);
        return found.Count > 0 ? found[0] : null;
    }

    public async Task<bool> DeleteDocumentAsync(string id, CancellationToken ct)
    {
        await using ConnectionLease lease = await OpenAsync(ct);
        await using DbTransaction tx = await lease.Connection.BeginTransactionAsync(ct);
        await Execute(lease.Connection, tx, $"DELETE FROM {_sql.Points} WHERE doc_id = @id", ct, ("id", id));
        int n = await Execute(lease.Connection, tx, $"DELETE FROM {_sql.Documents} WHERE id = @id", ct, ("id", id));
        await tx.CommitAsync(ct);
        return n == 1;
    }

    public virtual ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }

    private string SelectDocument => $"SELECT id, collection, owner, area_id, file_name, format, bytes, sha256, chunks, model, model_version, created_at, original_path FROM {_sql.Documents}";

    private static async Task<IReadOnlyList<DocumentRecord>> ReadDocuments(DbCommand cmd, CancellationToken ct)
    {
        await using DbDataReader r = await cmd.ExecuteReaderAsync(ct);
        var list = new List<DocumentRecord>();
        while (await r.ReadAsync(ct))
        {
            list.Add(new DocumentRecord(r.GetString(0), r.GetString(1), r.GetString(2), Text(r, 3), r.GetString(4), r.GetString(5), r.GetInt64(6), r.GetString(7), Convert.ToInt32(r.GetValue(8), System.Globalization.CultureInfo.InvariantCulture), r.GetString(9), r.GetString(10), r.GetInt64(11), r.GetString(12)));
        }

        return list;
    }

    private async Task InsertPoints(DbConnection connection, DbTransaction tx, string collection, IReadOnlyList<StoredPoint> points, CancellationToken ct)
    {
        string sql = $"INSERT INTO {_sql.Points} (collection, id, seq, doc_id, owner, area_id, text, payload, vector, model, model_version) VALUES (@c, @id, @seq, @doc, @owner, @area, @text, @payload, @vector, @model, @version) "
            + "ON CONFLICT (collection, id) DO UPDATE SET seq = excluded.seq, doc_id = excluded.doc_id, owner = excluded.owner, area_id = excluded.area_id, text = excluded.text, payload = excluded.payload, vector = excluded.vector, model = excluded.model, model_version = excluded.model_version";
        foreach (StoredPoint p in points)
        {
            await Execute(connection, tx, sql, ct, ("c", collection), ("id", p.Id), ("seq", Interlocked.Increment(ref _seq)), ("doc", p.DocId), ("owner", p.Owner), ("area", p.AreaId), ("text", p.Text), ("payload", p.PayloadJson), ("vector", VectorBytes.From(p.Vector)), ("model", p.Model), ("version", p.ModelVersion));
        }
    }

    private static string? Text(DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    private static DbCommand Command(DbConnection connection, DbTransaction? tx, string sql, params (string Name, object? Value)[] parameters)
    {
        DbCommand cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        foreach ((string name, object? value) in parameters)
        {
            DbParameter p = cmd.CreateParameter();
            p.ParameterName = name;
            p.Value = value ?? DBNull.Value;
            cmd.Parameters.Add(p);
        }

        return cmd;
    }

    private static async Task<int> Execute(DbConnection connection, DbTransaction? tx, string sql, CancellationToken ct, params (string Name, object? Value)[] parameters)
    {
        await using DbCommand cmd = Command(connection, tx, sql, parameters);
        return await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>A connection held for one operation.</summary>
    protected sealed class ConnectionLease(DbConnection connection, Func<ValueTask> release) : IAsyncDisposable
    {
        public DbConnection Connection { get; } = connection;

        public ValueTask DisposeAsync() => release();
    }
}
