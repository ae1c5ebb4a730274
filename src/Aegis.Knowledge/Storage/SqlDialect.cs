namespace Aegis.Knowledge.Storage;

/// <summary>What differs between the two engines in the knowledge schema: binary and integer column types, and table names.</summary>
internal sealed record SqlDialect(string Blob, string BigInt, string TablePrefix)
{
    public static SqlDialect Sqlite { get; } = new("BLOB", "INTEGER", "");

    public static SqlDialect Postgres(string? schema) => new("BYTEA", "BIGINT", string.IsNullOrEmpty(schema) ? "" : $"\"{schema}\".");

    public string Collections => TablePrefix + "knowledge_collections";

    public string Points => TablePrefix + "knowledge_points";

    public string Documents => TablePrefix + "knowledge_documents";

    public IEnumerable<string> Schema()
    {
        yield return $"CREATE TABLE IF NOT EXISTS {Collections} (name TEXT PRIMARY KEY, dims INTEGER NOT NULL, distance TEXT NOT NULL, managed INTEGER NOT NULL, created_at {BigInt} NOT NULL)";
        yield return $"CREATE TABLE IF NOT EXISTS {Documents} (id TEXT PRIMARY KEY, collection TEXT NOT NULL, owner TEXT NOT NULL, area_id TEXT, file_name TEXT NOT NULL, format TEXT NOT NULL, bytes {BigInt} NOT NULL, sha256 TEXT NOT NULL, chunks INTEGER NOT NULL, model TEXT NOT NULL, model_version TEXT NOT NULL, created_at {BigInt} NOT NULL, original_path TEXT NOT NULL)";
        yield return $"CREATE TABLE IF NOT EXISTS {Points} (collection TEXT NOT NULL, id TEXT NOT NULL, seq {BigInt} NOT NULL, doc_id TEXT, owner TEXT, area_id TEXT, text TEXT, payload TEXT NOT NULL, vector {Blob} NOT NULL, model TEXT NOT NULL, model_version TEXT NOT NULL, PRIMARY KEY (collection, id))";
        yield return $"CREATE INDEX IF NOT EXISTS knowledge_points_doc ON {Points} (doc_id)";
    }
}
