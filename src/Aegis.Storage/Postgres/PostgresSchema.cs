namespace Aegis.Storage.Postgres;

internal static class PostgresSchema
{
    public const string Create = """
        CREATE TABLE IF NOT EXISTS aegis_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS aegis_blocks (
            height BIGINT PRIMARY KEY,
            hash BYTEA NOT NULL UNIQUE,
            block BYTEA NOT NULL,
            certificate BYTEA NOT NULL,
            state_root BYTEA NOT NULL,
            timestamp_ms BIGINT NOT NULL);
        CREATE TABLE IF NOT EXISTS aegis_kv (key BYTEA PRIMARY KEY, value BYTEA NOT NULL, height BIGINT NOT NULL);
        CREATE TABLE IF NOT EXISTS aegis_txs (hash BYTEA PRIMARY KEY, height BIGINT NOT NULL, idx INT NOT NULL, outcome SMALLINT NOT NULL);
        CREATE TABLE IF NOT EXISTS aegis_consensus_record (seq BIGSERIAL PRIMARY KEY, height BIGINT NOT NULL, data BYTEA NOT NULL);
        """;
}
