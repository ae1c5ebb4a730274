using Aegis.Node.Configuration;

namespace Aegis.Node.Tests.Configuration;

public sealed class SecretMaskingTests
{
    [Theory]
    [InlineData("postgresql://aegis:hunter2@db:5432/ledger", "postgresql://aegis:(redacted)@db:5432/ledger")]
    [InlineData("postgres://aegis:p@ss:w0rd@db/ledger?sslmode=require", "postgres://aegis:(redacted)@db/ledger?sslmode=require")]
    [InlineData("postgresql://aegis@db/ledger?password=hunter2&sslmode=require", "postgresql://aegis@db/ledger?password=(redacted)&sslmode=require")]
    [InlineData("Host=db;Username=aegis;Password=hunter2;Database=ledger", "Host=db;Username=aegis;Password=(redacted);Database=ledger")]
    [InlineData("Host=db; PWD = 'hunt er2' ; Database=ledger", "Host=db; PWD = (redacted) ; Database=ledger")]
    [InlineData("host=db password=hunter2 dbname=ledger", "host=db password=(redacted) dbname=ledger")]
    [InlineData("Host=db;SSL Password=hunter2", "Host=db;SSL Password=(redacted)")]
    [InlineData("Host=db;Database=ledger", "Host=db;Database=ledger")]
    [InlineData("postgresql://db/ledger", "postgresql://db/ledger")]
    public void Connection_strings_keep_everything_but_the_password(string input, string expected)
    {
        Assert.Equal(expected, SecretMasking.ConnectionString(input));
    }

    [Fact]
    public void Whole_secrets_are_replaced_and_empty_ones_stay_empty()
    {
        var secret = new SecretAttribute();
        Assert.Equal("(redacted)", SecretMasking.Show("anything", secret));
        Assert.Equal("", SecretMasking.Show("", secret));
        Assert.Equal("plain", SecretMasking.Show("plain", null));
    }
}
