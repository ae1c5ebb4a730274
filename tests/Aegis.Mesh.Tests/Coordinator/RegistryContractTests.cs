using Aegis.Core.Crypto;
using Aegis.Mesh.Coordinator;
using Aegis.Mesh.Noise;
using Aegis.Mesh.Pki;
using Aegis.Storage.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Aegis.Mesh.Tests.Coordinator;

/// <summary>
/// The coordinator registry's contract, run once per engine: SQLite (the default) and PostgreSQL (several coordinators
/// sharing one registry). Each test gets a store of its own; <see cref="Open"/> opens another connection to the same one,
/// as a second coordinator or a restart would.
/// </summary>
public abstract class RegistryContractTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly CertificateAuthority Ca = CertificateAuthority.Create("registry-ca", TimeSpan.FromDays(30), Now);
    private readonly List<IMeshRegistry> _opened = [];

    protected abstract IMeshRegistry OpenStore();

    protected IMeshRegistry Open()
    {
        IMeshRegistry registry = OpenStore();
        _opened.Add(registry);
        return registry;
    }

    public virtual void Dispose()
    {
        foreach (IMeshRegistry r in _opened)
        {
            r.Dispose();
        }

        GC.SuppressFinalize(this);
    }

    private static MeshCertificate Cert(string name, string? address = null, params string[] groups)
    {
        using var key = X25519KeyPair.Generate();
        return Ca.Sign(name, address is null ? null : IPv4Network.Parse(address), groups, key.PublicKey, TimeSpan.FromDays(7), Now);
    }

    [StoreFact]
    public void A_certificate_is_recorded_once_and_a_later_sighting_only_moves_last_seen()
    {
        IMeshRegistry registry = Open();
        MeshCertificate web = Cert("web-1", "100.64.0.5/16", "servers", "eu");
        registry.RecordCertificate(web, Now);
        registry.RecordCertificate(web, Now.AddMinutes(5));
        registry.RecordCertificate(Cert("db-1"), Now);

        IReadOnlyList<RegistryCertificate> all = registry.Certificates();
        Assert.Equal(["db-1", "web-1"], all.Select(c => c.Name));
        RegistryCertificate stored = all[1];
        Assert.Equal(web.Fingerprint, stored.Fingerprint);
        Assert.Equal("100.64.0.5/16", stored.Address);
        Assert.Equal("servers,eu", stored.Groups);
        Assert.Equal(web.NotAfter.ToUnixTimeSeconds(), stored.NotAfter.ToUnixTimeSeconds());
        Assert.Equal(Now.AddMinutes(5), stored.LastSeen);
        Assert.Equal(web.Encode(), stored.Encoded);
        Assert.Equal("", all[0].Address);
    }

    [StoreFact]
    public void An_address_is_leased_to_one_certificate_and_a_certificate_holds_one_lease()
    {
        IMeshRegistry registry = Open();
        Hash32 a = Cert("a").Fingerprint, b = Cert("b").Fingerprint;
        uint first = IPv4Network.Parse("100.64.1.1/16").Address, second = IPv4Network.Parse("100.64.1.2/16").Address;
        Assert.True(registry.TryAddLease(first, a, "a", Now));
        Assert.False(registry.TryAddLease(first, b, "b", Now));
        Assert.False(registry.TryAddLease(second, a, "a", Now));
        Assert.True(registry.TryAddLease(second, b, "b", Now));
        Assert.Equal(new Dictionary<uint, Hash32> { [first] = a, [second] = b }, registry.Leases());
    }

    [StoreFact]
    public void Revocations_are_kept_in_order_and_revoking_twice_changes_nothing()
    {
        IMeshRegistry registry = Open();
        Hash32 x = Cert("x").Fingerprint, y = Cert("y").Fingerprint;
        registry.Revoke(x, "key lost", Now);
        registry.Revoke(y, "left the company", Now.AddSeconds(1));
        registry.Revoke(x, "again", Now.AddSeconds(2));
        Assert.Equal([x, y], registry.Revocations());
        if (registry is SqlRegistry sql)
        {
            Assert.Equal("key lost", sql.RevocationDetails()[0].Reason);
        }
    }

    [StoreFact]
    public void What_was_written_is_there_after_a_restart()
    {
        MeshCertificate cert = Cert("persist", "100.64.0.9/16");
        using (IMeshRegistry before = OpenStore())
        {
            before.RecordCertificate(cert, Now);
            Assert.True(before.TryAddLease(IPv4Network.Parse("100.64.2.2/16").Address, cert.Fingerprint, "persist", Now));
            before.Revoke(cert.Fingerprint, "test", Now);
        }

        IMeshRegistry after = Open();
        Assert.Equal(cert.Fingerprint, Assert.Single(after.Certificates()).Fingerprint);
        Assert.Equal(cert.Fingerprint, Assert.Single(after.Leases()).Value);
        Assert.Equal(cert.Fingerprint, Assert.Single(after.Revocations()));
    }

    [StoreFact]
    public void Two_coordinators_sharing_the_registry_never_lease_one_address_twice()
    {
        // A /29 has 6 host addresses: twelve certificates leasing through two coordinators at once must collide often.
        var network = IPv4Network.Parse("100.64.7.0/29");
        IMeshRegistry one = Open(), two = Open();
        var left = new CoordinatorDirectory { Registry = one };
        var right = new CoordinatorDirectory { Registry = two };
        MeshCertificate[] certs = [.. Enumerable.Range(0, 6).Select(i => Cert($"n{i}"))];
        var results = new uint[certs.Length];
        Parallel.For(0, certs.Length, i => results[i] = (i % 2 == 0 ? left : right).LeaseFor(certs[i], network, Now));
        Assert.Equal(certs.Length, results.Distinct().Count());
        Assert.All(results, r => Assert.True(network.Contains(r) && r != network.NetworkAddress && r != network.BroadcastAddress));
        // Asked again (by either coordinator), each certificate keeps its address; the network is full for a seventh.
        for (int i = 0; i < certs.Length; i++)
        {
            Assert.Equal(results[i], (i % 2 == 0 ? right : left).LeaseFor(certs[i], network, Now));
        }

        var full = Assert.Throws<System.Security.Cryptography.CryptographicException>(() => left.LeaseFor(Cert("n6"), network, Now));
        Assert.Contains("no free address", full.Message, StringComparison.Ordinal);
    }

    [StoreFact]
    public void The_worker_writes_sightings_off_the_callers_thread_and_reports_new_revocations()
    {
        IMeshRegistry registry = Open();
        var reports = new System.Collections.Concurrent.BlockingCollection<IReadOnlyList<Hash32>>();
        using (var worker = new RegistryWorker(registry, TimeSpan.FromMilliseconds(50), reports.Add, NullLogger.Instance))
        {
            Assert.True(reports.TryTake(out IReadOnlyList<Hash32>? initial, TimeSpan.FromSeconds(10)));
            Assert.Empty(initial);
            MeshCertificate seen = Cert("seen");
            for (int i = 0; i < 100; i++)
            {
                worker.RecordCertificate(seen, Now.AddSeconds(i));
            }

            // `aegis mesh revoke` writes through its own connection; the worker notices.
            Hash32 revoked = Cert("bad").Fingerprint;
            Open().Revoke(revoked, "test", Now);
            Assert.True(reports.TryTake(out IReadOnlyList<Hash32>? next, TimeSpan.FromSeconds(10)));
            Assert.Equal(revoked, Assert.Single(next));
            Assert.True(SpinWait.SpinUntil(() => worker.PendingWrites == 0 && registry.Certificates().Count == 1, TimeSpan.FromSeconds(10)));
            Assert.Equal(Now.AddSeconds(99), registry.Certificates()[0].LastSeen);
            Assert.False(reports.TryTake(out _, TimeSpan.FromMilliseconds(200)), "an unchanged list is not reported again");
        }
    }
}

public sealed class SqliteRegistryContractTests : RegistryContractTests
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("aegisray-registry-");

    protected override IMeshRegistry OpenStore() => SqlRegistry.OpenSqlite(Path.Combine(_dir.FullName, "registry.db"));

    public override void Dispose()
    {
        base.Dispose();
        _dir.Delete(recursive: true);
    }
}

/// <summary>
/// Each test in a schema of its own on the private server (scripts/test-postgres.sh start prints the
/// AEGIS_TEST_POSTGRES_URL to export), dropped afterwards. Skipped without a server, except with CI=true.
/// </summary>
[RequiresPostgres]
public sealed class PostgresRegistryContractTests : RegistryContractTests
{
    private readonly string _server = Environment.GetEnvironmentVariable("AEGIS_TEST_POSTGRES_URL") is { Length: > 0 } url ? url
        : throw new InvalidOperationException("AEGIS_TEST_POSTGRES_URL is not set: the PostgreSQL registry tests need the private server (scripts/test-postgres.sh start)");

    private readonly string _schema = $"aegisray_{Environment.ProcessId}_{Guid.NewGuid():N}"[..40];
    private readonly string _connectionString;

    public PostgresRegistryContractTests()
    {
        Admin(_server, $"CREATE SCHEMA {_schema}");
        _connectionString = new NpgsqlConnectionStringBuilder(_server) { SearchPath = _schema, Pooling = false }.ToString();
    }

    protected override IMeshRegistry OpenStore() => SqlRegistry.OpenPostgres(_connectionString);

    public override void Dispose()
    {
        base.Dispose();
        Admin(_server, $"DROP SCHEMA {_schema} CASCADE");
    }

    private static void Admin(string connectionString, string sql)
    {
        using var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }
}
