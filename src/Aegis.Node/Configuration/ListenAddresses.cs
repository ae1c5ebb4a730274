using System.Net;
using Aegis.Network;

namespace Aegis.Node.Configuration;

/// <summary>Host and port rules shared by validation and the node host, so both agree on what binds where.</summary>
internal static class ListenAddresses
{
    /// <summary>The metrics listener follows the API's exposure: loopback when the API is loopback-only, every interface otherwise.</summary>
    public static string MetricsHost(AegisConfig config) => IsLoopback(config.Api.Host) ? config.Api.Host : "0.0.0.0";

    public static bool IsWildcard(string host) => host.Trim() is "0.0.0.0" or "::" or "[::]" or "*" or "+";

    public static bool IsLoopback(string host) =>
        host.Trim().Equals("localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host.Trim(), out IPAddress? ip) && IPAddress.IsLoopback(ip));

    /// <summary>Whether listeners on these hosts could claim the same socket if their ports were equal.</summary>
    public static bool Overlap(string a, string b) =>
        IsWildcard(a) || IsWildcard(b) || string.Equals(a.Trim(), b.Trim(), StringComparison.OrdinalIgnoreCase) || (IsLoopback(a) && IsLoopback(b));

    public static bool IsHost(string host) => PeerAddress.IsHost(host);

    /// <summary><c>host:port</c> as peers are dialled (<see cref="PeerAddress"/>).</summary>
    public static bool IsHostPort(string address) => PeerAddress.TryParse(address, out _);
}
