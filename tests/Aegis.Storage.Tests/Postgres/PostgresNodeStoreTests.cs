using Aegis.Core.Crypto;
using Aegis.Storage.Postgres;
using Aegis.Storage.Tests.Contract;
using Aegis.Storage.Tests.Support;
using Npgsql;

namespace Aegis.Storage.Tests.Postgres;

/// <summary>The contract against the PostgreSQL test server; every test gets a schema of its own, dropped afterwards.</summary>
[RequiresPostgres]
public sealed class PostgresNodeStoreTests : NodeStoreContract
{
    private readonly string _schema = "aegis_test_" + Guid.NewGuid().ToString("N")[..16];
    private string? _connectionString;

    private string ConnectionString => _connectionString ?? throw new InvalidOperationException("the backing store was not prepared");

    protected override INodeStore CreateStore(Hash32? genesisHash) => new PostgresNodeStore(ConnectionString, _schema, genesisHash);

    protected override Task PrepareBackingStoreAsync()
    {
        _connectionString = PostgresTestEnvironment.RequireConnectionString();
        return Task.CompletedTask;
    }

    protected override async Task DeleteBackingStoreAsync()
    {
        if (_connectionString is not null)
        {
            await ExecuteAsync($"DROP SCHEMA IF EXISTS {_schema} CASCADE");
        }
    }

    protected override Task SetStoredSchemaVersionAsync(int version) => ExecuteAsync($"UPDATE {_schema}.schema_info SET version = {version}");

    [StoreFact]
    public Task A_snapshot_holds_one_instant() => A_snapshot_reads_one_instant_while_commits_go_on();

    [StoreFact]
    public async Task Each_node_keeps_its_tables_in_its_own_schema()
    {
        await CommitAsync(Chain.Next(Core.Ledger.Transaction.Put("a", "1")));
        await using var other = new PostgresNodeStore(ConnectionString, _schema + "_b");
        try
        {
            await other.InitializeAsync(default);
            Assert.Equal(0UL, (await other.GetTipAsync(default)).Height);
            Assert.Contains($"schema {_schema}_b", other.Description);
        }
        finally
        {
            await other.DisposeAsync();
            await ExecuteAsync($"DROP SCHEMA IF EXISTS {_schema}_b CASCADE");
        }
    }

    [StoreFact]
    public async Task A_postgresql_url_works_as_well_as_a_connection_string()
    {
        var b = new NpgsqlConnectionStringBuilder(ConnectionString);
        string url = $"postgresql://{Uri.EscapeDataString(b.Username!)}:{Uri.EscapeDataString(b.Password ?? "")}@{b.Host}:{b.Port}/{b.Database}";
        await CommitAsync(Chain.Next(Core.Ledger.Transaction.Put("a", "1")));
        await using var store = new PostgresNodeStore(url, _schema);
        await store.InitializeAsync(default);
        Assert.Equal(await Store.GetTipAsync(default), await store.GetTipAsync(default));
    }

    [PostgresFact]
    public async Task Bad_credentials_are_one_clear_error_without_the_password()
    {
        var b = new NpgsqlConnectionStringBuilder(PostgresTestEnvironment.RequireConnectionString()) { Password = "wrong-secret-123" };
        await using var store = new PostgresNodeStore(b.ConnectionString);

        StorageException ex = await Assert.ThrowsAsync<StorageException>(() => store.InitializeAsync(default));
        Assert.StartsWith($"postgresql store {b.Host}:{b.Port}/{b.Database} (user {b.Username})", ex.Message);
        Assert.Contains("password authentication failed", ex.Message);
        Assert.DoesNotContain("wrong-secret-123", ex.Message);
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var c = new NpgsqlConnection(ConnectionString);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, c);
        await cmd.ExecuteNonQueryAsync();
    }
}
