using Aegis.Storage.Postgres;

namespace Aegis.Storage.Tests.Postgres;

/// <summary>Connection handling that needs no server.</summary>
public class PostgresConnectionTests
{
    [Fact]
    public async Task A_refused_connection_is_one_clear_error_naming_the_target_but_not_the_password()
    {
        // Port 1 on loopback: nothing listens there, so the connection is refused at once.
        await using var store = new PostgresNodeStore("Host=127.0.0.1;Port=1;Username=aegis;Password=s3cret-pw;Database=ledger;Timeout=5");

        StorageException ex = await Assert.ThrowsAsync<StorageException>(() => store.InitializeAsync(default));
        Assert.StartsWith("postgresql store 127.0.0.1:1/ledger (user aegis): cannot open the database: ", ex.Message);
        Assert.Contains("refused", ex.Message, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("s3cret-pw", ex.Message);
    }

    [Fact]
    public void A_postgresql_url_becomes_connection_settings()
    {
        var b = PostgresConnectionString.Parse("postgresql://node%40a:p%3Ass@db.internal:6543/aegis%20ledger?sslmode=require");
        Assert.Equal("db.internal", b.Host);
        Assert.Equal(6543, b.Port);
        Assert.Equal("aegis ledger", b.Database);
        Assert.Equal("node@a", b.Username);
        Assert.Equal("p:ss", b.Password);
        Assert.Equal(Npgsql.SslMode.Require, b.SslMode);
        Assert.Equal(5432, PostgresConnectionString.Parse("postgres://u@h/d").Port);
    }

    [Fact]
    public void A_malformed_connection_string_is_refused_without_repeating_it()
    {
        StorageException ex = Assert.Throws<StorageException>(() => PostgresConnectionString.Parse("Hots=x;Password=topsecret"));
        Assert.StartsWith("postgresql store: storage.connection_string is neither", ex.Message);
        Assert.DoesNotContain("topsecret", ex.Message);
    }

    [Fact]
    public void A_schema_name_that_would_need_quoting_is_refused()
    {
        Assert.Throws<ArgumentException>(() => new PostgresNodeStore("Host=h", "x; DROP TABLE kv"));
        Assert.Throws<ArgumentException>(() => new PostgresNodeStore("Host=h", "Upper"));
        Assert.Throws<ArgumentException>(() => new PostgresNodeStore("Host=h", "1abc"));
    }
}
