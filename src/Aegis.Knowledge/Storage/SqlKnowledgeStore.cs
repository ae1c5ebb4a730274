using System.Data.Common;
using System.Globalization;
using Aegis.Storage;
using Aegis.Storage.Auxiliary;

namespace Aegis.Knowledge.Storage;

/// <summary>
/// The knowledge schema in an <see cref="AuxiliaryDatabase"/> named "knowledge", as the content store and chat keep
/// theirs: with SQLite <c>knowledge.db</c> in the data dir (WAL, writers at synchronous=FULL, so an acknowledged upload
/// survives a power cut), with PostgreSQL tables <c>knowledge_*</c> in <c>storage.schema</c> when set. One writer at a
/// time; reads happen at start only (searches run on the in-memory indexes).
/// </summary>
public sealed class SqlKnowledgeStore : IKnowledgeStore
{
    private const string Collections = "knowledge_collections";
    private const string Points = "knowledge_points";
    private const string Documents = "knowledge_documents";

    private const string SelectDocument = $"SELECT id, collection, owner, area_id, file_name, format, bytes, sha256, chunks, model, model_version, created_at, original_path FROM {Documents}";

    private readonly AuxiliaryDatabase _db;
    private long _seq;

    private SqlKnowledgeStore(AuxiliaryDatabase db) => _db = db;

    public string Description => _db.Description;

    /// <exception cref="ArgumentException">the options are unusable (one line per problem).</exception>
    public static SqlKnowledgeStore Create(StorageOptions options) => new(AuxiliaryDatabase.Create(options, "knowledge"));

    public async Task InitializeAsync(CancellationToken ct)
    {
        await _db.InitializeAsync(Schema(_db.BlobType), ct);
        await using DbConnection c = await _db.OpenAsync(ct);
        await using DbCommand max = c.Command($"SELECT COALESCE(MAX(seq), 0) FROM {Points}");
        _seq = Convert.ToInt64(await max.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
    }

    public async Task<IReadOnlyList<CollectionRecord>> LoadCollectionsAsync(CancellationToken ct)
    {
        await using DbConnection c = await _db.OpenAsync(ct);
        await using DbCommand cmd = c.Command($"SELECT name, dims, distance, managed, created_at FROM {Collections} ORDER BY name");
        await using DbDataReader r = await cmd.ExecuteReaderAsync(ct);
        var list = new List<CollectionRecord>();
        while (await r.ReadAsync(ct))
        {
            list.Add(new CollectionRecord(r.GetString(0), Convert.ToInt32(r.GetValue(1), CultureInfo.InvariantCulture), r.GetString(2), Convert.ToInt64(r.GetValue(3), CultureInfo.InvariantCulture) != 0, r.GetInt64(4)));
        }

        return list;
    }

    public Task<bool> CreateCollectionAsync(CollectionRecord collection, CancellationToken ct) => _db.WriteAsync(
        async (c, tx) => await c.ExecuteAsync($"INSERT INTO {Collections} (name, dims, distance, managed, created_at) VALUES (@name, @dims, @distance, @managed, @created) ON CONFLICT (name) DO NOTHING", tx, ct,
            ("name", collection.Name), ("dims", collection.Dimensions), ("distance", collection.Distance), ("managed", collection.Managed ? 1 : 0), ("created", collection.CreatedAtMs)) == 1,
        ct);

    public Task<bool> DeleteCollectionAsync(string name, CancellationToken ct) => _db.WriteAsync(
        async (c, tx) =>
        {
            await c.ExecuteAsync($"DELETE FROM {Points} WHERE collection = @name", tx, ct, ("name", name));
            await c.ExecuteAsync($"DELETE FROM {Documents} WHERE collection = @name", tx, ct, ("name", name));
            return await c.ExecuteAsync($"DELETE FROM {Collections} WHERE name = @name", tx, ct, ("name", name)) == 1;
        },
        ct);

    public async Task<IReadOnlyList<StoredPoint>> LoadPointsAsync(string collection, CancellationToken ct)
    {
        await using DbConnection c = await _db.OpenAsync(ct);
        await using DbCommand cmd = c.Command($"SELECT id, vector, payload, text, owner, area_id, doc_id, model, model_version FROM {Points} WHERE collection = @c ORDER BY seq", null, ("c", collection));
        await using DbDataReader r = await cmd.ExecuteReaderAsync(ct);
        var list = new List<StoredPoint>();
        while (await r.ReadAsync(ct))
        {
            list.Add(new StoredPoint(r.GetString(0), VectorBytes.To((byte[])r.GetValue(1)), r.GetString(2), Text(r, 3), Text(r, 4), Text(r, 5), Text(r, 6), r.GetString(7), r.GetString(8)));
        }

        return list;
    }

    public Task UpsertPointsAsync(string collection, IReadOnlyList<StoredPoint> points, CancellationToken ct) => _db.WriteAsync(
        async (c, tx) =>
        {
            await InsertPoints(c, tx, collection, points, ct);
            return true;
        },
        ct);

    public Task<int> DeletePointsAsync(string collection, IReadOnlyList<string> ids, CancellationToken ct) => _db.WriteAsync(
        async (c, tx) =>
        {
            int n = 0;
            foreach (string id in ids)
            {
                n += await c.ExecuteAsync($"DELETE FROM {Points} WHERE collection = @c AND id = @id", tx, ct, ("c", collection), ("id", id));
            }

            return n;
        },
        ct);

    public Task AddDocumentAsync(DocumentRecord document, IReadOnlyList<StoredPoint> chunks, CancellationToken ct) => _db.WriteAsync(
        async (c, tx) =>
        {
            DocumentRecord d = document;
            await c.ExecuteAsync($"INSERT INTO {Documents} (id, collection, owner, area_id, file_name, format, bytes, sha256, chunks, model, model_version, created_at, original_path) VALUES (@id, @collection, @owner, @area, @file, @format, @bytes, @sha, @chunks, @model, @version, @created, @original)", tx, ct,
                ("id", d.Id), ("collection", d.Collection), ("owner", d.Owner), ("area", d.AreaId), ("file", d.FileName), ("format", d.Format), ("bytes", d.Bytes), ("sha", d.Sha256), ("chunks", d.Chunks), ("model", d.Model), ("version", d.ModelVersion), ("created", d.CreatedAtMs), ("original", d.OriginalPath));
            await InsertPoints(c, tx, d.Collection, chunks, ct);
            return true;
        },
        ct);

    public async Task<IReadOnlyList<DocumentRecord>> ListDocumentsAsync(CancellationToken ct)
    {
        await using DbConnection c = await _db.OpenAsync(ct);
        await using DbCommand cmd = c.Command($"{SelectDocument} ORDER BY created_at, id");
        return await ReadDocuments(cmd, ct);
    }

    public async Task<DocumentRecord?> GetDocumentAsync(string id, CancellationToken ct)
    {
        await using DbConnection c = await _db.OpenAsync(ct);
        await using DbCommand cmd = c.Command($"{SelectDocument} WHERE id = @id", null, ("id", id));
        IReadOnlyList<DocumentRecord> found = await ReadDocuments(cmd, ct);
        return found.Count > 0 ? found[0] : null;
    }

    public Task<bool> DeleteDocumentAsync(string id, CancellationToken ct) => _db.WriteAsync(
        async (c, tx) =>
        {
            await c.ExecuteAsync($"DELETE FROM {Points} WHERE doc_id = @id", tx, ct, ("id", id));
            return await c.ExecuteAsync($"DELETE FROM {Documents} WHERE id = @id", tx, ct, ("id", id)) == 1;
        },
        ct);

    public ValueTask DisposeAsync() => _db.DisposeAsync();

    // BIGINT is INTEGER affinity in SQLite, so one spelling serves both engines; only the blob type differs.
    private static IEnumerable<string> Schema(string blob) =>
    [
        $"CREATE TABLE IF NOT EXISTS {Collections} (name TEXT PRIMARY KEY, dims INTEGER NOT NULL, distance TEXT NOT NULL, managed INTEGER NOT NULL, created_at BIGINT NOT NULL)",
        $"CREATE TABLE IF NOT EXISTS {Documents} (id TEXT PRIMARY KEY, collection TEXT NOT NULL, owner TEXT NOT NULL, area_id TEXT, file_name TEXT NOT NULL, format TEXT NOT NULL, bytes BIGINT NOT NULL, sha256 TEXT NOT NULL, chunks INTEGER NOT NULL, model TEXT NOT NULL, model_version TEXT NOT NULL, created_at BIGINT NOT NULL, original_path TEXT NOT NULL)",
        $"CREATE TABLE IF NOT EXISTS {Points} (collection TEXT NOT NULL, id TEXT NOT NULL, seq BIGINT NOT NULL, doc_id TEXT, owner TEXT, area_id TEXT, text TEXT, payload TEXT NOT NULL, vector {blob} NOT NULL, model TEXT NOT NULL, model_version TEXT NOT NULL, PRIMARY KEY (collection, id))",
        $"CREATE INDEX IF NOT EXISTS knowledge_points_doc ON {Points} (doc_id)",
    ];

    private static async Task<IReadOnlyList<DocumentRecord>> ReadDocuments(DbCommand cmd, CancellationToken ct)
    {
        await using DbDataReader r = await cmd.ExecuteReaderAsync(ct);
        var list = new List<DocumentRecord>();
        while (await r.ReadAsync(ct))
        {
            list.Add(new DocumentRecord(r.GetString(0), r.GetString(1), r.GetString(2), Text(r, 3), r.GetString(4), r.GetString(5), r.GetInt64(6), r.GetString(7), Convert.ToInt32(r.GetValue(8), CultureInfo.InvariantCulture), r.GetString(9), r.GetString(10), r.GetInt64(11), r.GetString(12)));
        }

        return list;
    }

    private async Task InsertPoints(DbConnection connection, DbTransaction tx, string collection, IReadOnlyList<StoredPoint> points, CancellationToken ct)
    {
        const string sql = $"INSERT INTO {Points} (collection, id, seq, doc_id, owner, area_id, text, payload, vector, model, model_version) VALUES (@c, @id, @seq, @doc, @owner, @area, @text, @payload, @vector, @model, @version) "
            + "ON CONFLICT (collection, id) DO UPDATE SET seq = excluded.seq, doc_id = excluded.doc_id, owner = excluded.owner, area_id = excluded.area_id, text = excluded.text, payload = excluded.payload, vector = excluded.vector, model = excluded.model, model_version = excluded.model_version";
        foreach (StoredPoint p in points)
        {
            await connection.ExecuteAsync(sql, tx, ct, ("c", collection), ("id", p.Id), ("seq", Interlocked.Increment(ref _seq)), ("doc", p.DocId), ("owner", p.Owner), ("area", p.AreaId), ("text", p.Text), ("payload", p.PayloadJson), ("vector", VectorBytes.From(p.Vector)), ("model", p.Model), ("version", p.ModelVersion));
        }
    }

    private static string? Text(DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);
}
