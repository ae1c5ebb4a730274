using Aegis.Core.Crypto;
using Aegis.Storage.Sqlite;
using Aegis.Storage.Tests.Contract;
using Aegis.Storage.Tests.Support;
using Microsoft.Data.Sqlite;

namespace Aegis.Storage.Tests.Sqlite;

public sealed class SqliteNodeStoreTests : NodeStoreContract, IDisposable
{
    private readonly TempDirectory _dir = new();

    private string DataDirectory => Path.Combine(_dir.Path, "data");

    protected override INodeStore CreateStore(Hash32? genesisHash) => new SqliteNodeStore(DataDirectory, genesisHash);

    protected override async Task SetStoredSchemaVersionAsync(int version)
    {
        await using var c = new SqliteConnection($"Data Source={Path.Combine(DataDirectory, SqliteNodeStore.FileName)};Pooling=False");
        await c.OpenAsync();
        await using SqliteCommand cmd = c.CreateCommand();
        cmd.CommandText = $"UPDATE schema_info SET version = {version}";
        Assert.Equal(1, await cmd.ExecuteNonQueryAsync());
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public Task A_snapshot_holds_one_instant() => A_snapshot_reads_one_instant_while_commits_go_on();

    [Fact]
    public async Task The_database_is_one_file_in_the_data_directory_in_WAL_mode()
    {
        string file = Path.Combine(DataDirectory, SqliteNodeStore.FileName);
        Assert.True(File.Exists(file));
        Assert.Contains(file, Store.Description);

        await using var c = new SqliteConnection($"Data Source={file};Pooling=False");
        await c.OpenAsync();
        await using SqliteCommand cmd = c.CreateCommand();
        cmd.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", (string?)await cmd.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_data_directory_that_cannot_be_created_is_one_clear_error()
    {
        string notADirectory = Path.Combine(_dir.Path, "a-file");
        await File.WriteAllTextAsync(notADirectory, "x");
        await using var store = new SqliteNodeStore(Path.Combine(notADirectory, "data"));

        StorageException ex = await Assert.ThrowsAsync<StorageException>(() => store.InitializeAsync(default));
        Assert.StartsWith("sqlite store ", ex.Message);
        Assert.Contains(notADirectory, ex.Message);
        Assert.Contains("cannot open", ex.Message);
    }

    [Fact]
    public async Task A_file_that_is_not_a_database_is_one_clear_error()
    {
        string dir = Path.Combine(_dir.Path, "garbage");
        Directory.CreateDirectory(dir);
        await File.WriteAllTextAsync(Path.Combine(dir, SqliteNodeStore.FileName), new string('x', 8192));
        await using var store = new SqliteNodeStore(dir);

        StorageException ex = await Assert.ThrowsAsync<StorageException>(() => store.InitializeAsync(default));
        Assert.Contains(Path.Combine(dir, SqliteNodeStore.FileName), ex.Message);
        Assert.Contains("not a database", ex.Message);
    }
}
