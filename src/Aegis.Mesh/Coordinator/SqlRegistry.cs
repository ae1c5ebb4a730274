using System.Data.Common;
using Aegis.Core.Crypto;
using Aegis.Mesh.Pki;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Aegis.Mesh.Coordinator;

/// <summary>
/// The registry on SQLite (one file, WAL) or PostgreSQL: the same three tables and the same SQL (both speak
/// <c>INSERT … ON CONFLICT</c>), so one implementation serves both and one contract test suite runs against both. A
/// unique key on the lease address is what keeps allocation collision-free when several coordinators share PostgreSQL.
/// </summary>
public sealed class SqlRegistry : IMeshRegistry
{
    private readonly DbConnection _connection;
    private readonly Lock _lock = new();
    private readonly string _blob;

    private SqlRegistry(DbConnection connection, string blobType)
    {
        _connection = connection;
        _blob = blobType;
        _connection.Open();
        Execute(connection is SqliteConnection ? "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=5000;" : "SELECT 1");
        Execute($"""
            CREATE TABLE IF NOT EXISTS mesh_certificates (fingerprint TEXT PRIMARY KEY, name TEXT NOT NULL, address TEXT NOT NULL, groups_list TEXT NOT NULL, not_after BIGINT NOT NULL, last_seen BIGINT NOT NULL, encoded {_blob} NOT NULL);
            CREATE TABLE IF NOT EXISTS mesh_leases (address BIGINT PRIMARY KEY, fingerprint TEXT NOT NULL UNIQUE, name TEXT NOT NULL, leased_at BIGINT NOT NULL);
            CREATE TABLE IF NOT EXISTS mesh_revocations (fingerprint TEXT PRIMARY KEY, reason TEXT NOT NULL, revoked_at BIGINT NOT NULL);
            """);
    }

    public static SqlRegistry OpenSqlite(string path)
    {
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null)
        {
            Directory.CreateDirectory(dir);
        }

        return new SqlRegistry(new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString()), "BLOB");
    }

    public static SqlRegistry OpenPostgres(string connectionString) => new(new NpgsqlConnection(connectionString), "BYTEA");

    public void RecordCertificate(MeshCertificate certificate, DateTimeOffset seen) => Execute(
        "INSERT INTO mesh_certificates (fingerprint, name, address, groups_list, not_after, last_seen, encoded) VALUES (@f, @n, @a, @g, @na, @s, @e) " +
        "ON CONFLICT (fingerprint) DO UPDATE SET last_seen = excluded.last_seen",
        ("@f", certificate.Fingerprint.ToString()), ("@n", certificate.Name), ("@a", certificate.Address?.ToString() ?? ""),
        ("@g", string.Join(',', certificate.Groups)), ("@na", certificate.NotAfter.ToUnixTimeSeconds()), ("@s", seen.ToUnixTimeSeconds()), ("@e", certificate.Encode()));

    public IReadOnlyList<RegistryCertificate> Certificates() => Query(
        "SELECT fingerprint, name, address, groups_list, not_after, last_seen, encoded FROM mesh_certificates ORDER BY name",
        r => new RegistryCertificate(Hash32.Parse(r.GetString(0)), r.GetString(1), r.GetString(2), r.GetString(3),
            DateTimeOffset.FromUnixTimeSeconds(r.GetInt64(4)), DateTimeOffset.FromUnixTimeSeconds(r.GetInt64(5)), (byte[])r.GetValue(6)));

    public IReadOnlyDictionary<uint, Hash32> Leases() =>
        Query("SELECT address, fingerprint FROM mesh_leases", r => ((uint)r.GetInt64(0), Hash32.Parse(r.GetString(1)))).ToDictionary(x => x.Item1, x => x.Item2);

    public bool TryAddLease(uint address, Hash32 fingerprint, string name, DateTimeOffset at)
    {
        try
        {
            return Execute("INSERT INTO mesh_leases (address, fingerprint, name, leased_at) VALUES (@a, @f, @n, @t) ON CONFLICT DO NOTHING",
                ("@a", (long)address), ("@f", fingerprint.ToString()), ("@n", name), ("@t", at.ToUnixTimeSeconds())) == 1;
        }
        catch (DbException)
        {
            return false;
        }
    }

    public void Revoke(Hash32 fingerprint, string reason, DateTimeOffset at) => Execute(
        "INSERT INTO mesh_revocations (fingerprint, reason, revoked_at) VALUES (@f, @r, @t) ON CONFLICT (fingerprint) DO NOTHING",
        ("@f", fingerprint.ToString()), ("@r", reason), ("@t", at.ToUnixTimeSeconds()));

    public IReadOnlyList<Hash32> Revocations() => Query("SELECT fingerprint FROM mesh_revocations ORDER BY revoked_at", r => Hash32.Parse(r.GetString(0)));

    /// <summary>Revocations with their reasons (backups, the CLI).</summary>
    public IReadOnlyList<RegistryRevocation> RevocationDetails() =>
        Query("SELECT fingerprint, reason, revoked_at FROM mesh_revocations ORDER BY revoked_at", r => new RegistryRevocation(Hash32.Parse(r.GetString(0)), r.GetString(1), DateTimeOffset.FromUnixTimeSeconds(r.GetInt64(2))));

    public IReadOnlyList<RegistryLease> LeaseDetails() =>
        Query("SELECT address, fingerprint, name, leased_at FROM mesh_leases ORDER BY address", r => new RegistryLease((uint)r.GetInt64(0), Hash32.Parse(r.GetString(1)), r.GetString(2), DateTimeOffset.FromUnixTimeSeconds(r.GetInt64(3))));

    public void Dispose() => _connection.Dispose();

    private int Execute(string sql, params (string Name, object Value)[] parameters)
    {
        lock (_lock)
        {
            using DbCommand command = Command(sql, parameters);
            return command.ExecuteNonQuery();
        }
    }

    private List<T> Query<T>(string sql, Func<DbDataReader, T> read)
    {
        lock (_lock)
        {
            using DbCommand command = Command(sql, []);
            using DbDataReader reader = command.ExecuteReader();
            var rows = new List<T>();
            while (reader.Read())
            {
                rows.Add(read(reader));
            }

            return rows;
        }
    }

    private DbCommand Command(string sql, (string Name, object Value)[] parameters)
    {
        DbCommand command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach ((string name, object value) in parameters)
        {
            DbParameter p = command.CreateParameter();
            p.ParameterName = name;
            p.Value = value;
            command.Parameters.Add(p);
        }

        return command;
    }

}

public sealed record RegistryRevocation(Hash32 Fingerprint, string Reason, DateTimeOffset At);

public sealed record RegistryLease(uint Address, Hash32 Fingerprint, string Name, DateTimeOffset At);
