using System.Net;
using System.Security.Claims;

namespace Aegis.Network;

/// <summary>
/// Whom a per-client budget (the API's rate limit, the content store's quota and stream cap) is charged to: a
/// validated token's subject, so one client keeps its budget across addresses; else the peer's address as the
/// connection cap counts it (an IPv6 client's /64, which it could otherwise rotate through). Never a header a client can
/// vary: keyed on the raw Authorization header, a client with auth off got a fresh quota, and a new table entry, per
/// made-up header.
/// </summary>
public static class ClientKey
{
    public static string Of(ClaimsPrincipal? user, IPAddress? address)
    {
        if (user?.Identity?.IsAuthenticated == true && user.FindFirst("sub")?.Value is { Length: > 0 } subject)
        {
            return "sub:" + subject;
        }

        return "ip:" + (address is null ? "unknown" : ConnectionsPerAddress.KeyOf(address).ToString());
    }
}
