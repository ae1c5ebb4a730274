using System.Net;
using System.Security.Claims;
using Aegis.Node.Hosting;
using Microsoft.AspNetCore.Http;

namespace Aegis.Node.Tests.Hosting;

/// <summary>Whose budget a request spends: the rate limiter must count an address as the connection cap does.</summary>
public sealed class RateLimitPartitionTests
{
    private static string KeyFor(string address, string? subject = null)
    {
        var http = new DefaultHttpContext();
        http.Connection.RemoteIpAddress = IPAddress.Parse(address);
        if (subject is not null)
        {
            http.User = new ClaimsPrincipal(new ClaimsIdentity([new Claim("sub", subject)], "Bearer"));
        }

        return ApiPerimeter.PartitionKey(http);
    }

    [Fact]
    public void Every_address_in_one_ipv6_64_shares_one_budget_and_another_64_has_its_own()
    {
        Assert.Equal(KeyFor("2001:db8:1:2::1"), KeyFor("2001:db8:1:2:ffff:ffff:ffff:fffe"));
        Assert.NotEqual(KeyFor("2001:db8:1:2::1"), KeyFor("2001:db8:1:3::1"));
    }

    [Fact]
    public void An_ipv4_mapped_address_is_its_ipv4_address_and_ipv4_addresses_are_not_grouped()
    {
        Assert.Equal(KeyFor("192.0.2.7"), KeyFor("::ffff:192.0.2.7"));
        Assert.NotEqual(KeyFor("192.0.2.7"), KeyFor("192.0.2.8"));
    }

    [Fact]
    public void An_authenticated_subject_keeps_one_budget_across_addresses()
    {
        Assert.Equal(KeyFor("192.0.2.7", "alice"), KeyFor("2001:db8::1", "alice"));
        Assert.NotEqual(KeyFor("192.0.2.7", "alice"), KeyFor("192.0.2.7"));
    }
}
