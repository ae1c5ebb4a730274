using System.Net;

namespace Aegis.Network.Tests;

/// <summary>The one host:port parser, shared by config validation and the dialer.</summary>
public sealed class PeerAddressTests
{
    [Theory]
    [InlineData("127.0.0.1:26600", "127.0.0.1", 26600)]
    [InlineData("node-1.example:8000", "node-1.example", 8000)]
    [InlineData("[::1]:8001", "[::1]", 8001)]
    public void Host_and_port_split_at_the_last_colon(string text, string host, int port)
    {
        Assert.True(PeerAddress.TryParse(text, out PeerAddress? address));
        Assert.Equal(new PeerAddress(host, port), address);
        Assert.Equal(text, address.Value.ToString());
    }

    [Theory]
    [InlineData("10.0.0.2")]
    [InlineData(":8000")]
    [InlineData("10.0.0.1:0")]
    [InlineData("10.0.0.1:65536")]
    [InlineData("10.0.0.1:+80")]
    [InlineData("10.0.0.1: 80")]
    [InlineData("not a host!:80")]
    [InlineData("")]
    [InlineData(null)]
    public void Anything_else_is_refused_with_the_text_in_the_message(string? text)
    {
        Assert.False(PeerAddress.TryParse(text, out _));
        if (text is not null)
        {
            Assert.Contains($"'{text}'", Assert.Throws<FormatException>(() => PeerAddress.Parse(text)).Message);
        }
    }

    [Fact]
    public async Task An_ip_literal_resolves_without_dns_and_brackets_are_dropped()
    {
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 9), await new PeerAddress("127.0.0.1", 9).ResolveAsync(CancellationToken.None));
        Assert.Equal(new IPEndPoint(IPAddress.IPv6Loopback, 9), await PeerAddress.Parse("[::1]:9").ResolveAsync(CancellationToken.None));
    }
}
