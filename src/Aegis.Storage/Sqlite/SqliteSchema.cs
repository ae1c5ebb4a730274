namespace Aegis.Storage.Sqlite;

internal static class SqliteSchema
{
    public const string Create = """
        CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS blocks (
            height INTEGER PRIMARY KEY,
            hash BLOB NOT NULL UNIQUE,
            block BLOB NOT NULL,
            certificate BLOB NOT NULL,
            state_root BLOB NOT NULL,
            timestamp_ms INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS kv (key BLOB PRIMARY KEY, value BLOB NOT NULL, height INTEGER NOT NULL) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS txs (hash BLOB PRIMARY KEY, height INTEGER NOT NULL, idx INTEGER NOT NULL, outcome INTEGER NOT NULL) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS consensus_record (seq INTEGER PRIMARY KEY AUTOINCREMENT, height INTEGER NOT NULL, data BLOB NOT NULL);
        """;
}
