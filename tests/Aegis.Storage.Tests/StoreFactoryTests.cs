using Aegis.Storage.Postgres;
using Aegis.Storage.Sqlite;

namespace Aegis.Storage.Tests;

public class StoreFactoryTests
{
    [Fact]
    public async Task Sqlite_is_the_default_and_lives_in_the_data_directory()
    {
        await using INodeStore store = StoreFactory.Create(new StorageOptions { DataDirectory = "/tmp/aegis-factory-test" });
        SqliteNodeStore sqlite = Assert.IsType<SqliteNodeStore>(store);
        Assert.Equal(Path.Combine("/tmp/aegis-factory-test", "aegis.db"), sqlite.FilePath);
    }

    [Fact]
    public async Task Postgresql_is_chosen_by_type_without_connecting_yet()
    {
        await using INodeStore store = StoreFactory.Create(new StorageOptions { Type = " PostgreSQL ", ConnectionString = "Host=db.example;Username=aegis;Password=hunter2;Database=ledger", Schema = "node0" });
        Assert.IsType<PostgresNodeStore>(store);
        Assert.Equal("postgresql store db.example:5432/ledger (user aegis, schema node0)", store.Description);
    }

    [Theory]
    [InlineData("mysql", "storage.type: expected sqlite or postgresql, got 'mysql'")]
    [InlineData("", "storage.type: expected sqlite or postgresql, got ''")]
    public void An_unknown_type_is_refused_naming_the_setting(string type, string message)
    {
        Assert.Equal(message, Assert.Throws<ArgumentException>(() => StoreFactory.Create(new StorageOptions { Type = type, DataDirectory = "/tmp" })).Message);
    }

    [Fact]
    public void Postgresql_without_a_connection_string_is_refused_naming_the_setting()
    {
        string message = Assert.Throws<ArgumentException>(() => StoreFactory.Create(new StorageOptions { Type = "postgresql", ConnectionString = " " })).Message;
        Assert.StartsWith("storage.connection_string: required when storage.type is postgresql", message);
    }

    [Fact]
    public void Every_problem_gets_its_own_line()
    {
        var options = new StorageOptions { Type = "postgresql", Schema = "Bad-Name;" };
        Assert.Equal(2, options.Validate().Count);
        Assert.Contains("storage.schema", options.Validate()[1]);
        Assert.Contains("node.data_dir", new StorageOptions().Validate().Single());
    }
}
