using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Aegis.Network;

/// <summary>
/// A peer's <c>host:port</c>, as validators are listed in genesis and bootstrap nodes in config. The one parser:
/// configuration validation and the dialer both use it, so what the validator accepts is exactly what gets dialled.
/// The last ':' splits, so a bracketed IPv6 address works.
/// </summary>
public readonly record struct PeerAddress(string Host, int Port)
{
    /// <summary>An IP address or a syntactically valid DNS name.</summary>
    public static bool IsHost(string host) =>
        !string.IsNullOrWhiteSpace(host) && (IPAddress.TryParse(host, out _) || Uri.CheckHostName(host) != UriHostNameType.Unknown);

    public static bool TryParse(string? text, [NotNullWhen(true)] out PeerAddress? address)
    {
        address = null;
        int colon = text?.LastIndexOf(':') ?? -1;
        if (colon <= 0 || !IsHost(text![..colon])
            || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port is < 1 or > 65535)
        {
            return false;
        }

        address = new PeerAddress(text[..colon], port);
        return true;
    }

    /// <exception cref="FormatException">naming the text when it is not host:port.</exception>
    public static PeerAddress Parse(string text) =>
        TryParse(text, out PeerAddress? address) ? address.Value : throw new FormatException($"peer address '{text}' is not host:port (port 1-65535)");

    /// <summary>The endpoint to dial: an IP literal as is, a name through DNS (its first IPv4 address).</summary>
    public async Task<IPEndPoint> ResolveAsync(CancellationToken ct)
    {
        string host = Host.StartsWith('[') && Host.EndsWith(']') ? Host[1..^1] : Host;
        if (IPAddress.TryParse(host, out IPAddress? ip))
        {
            return new IPEndPoint(ip, Port);
        }

        IPAddress[] addresses = await Dns.GetHostAddressesAsync(host, ct);
        IPAddress? v4 = addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork);
        return v4 is not null ? new IPEndPoint(v4, Port) : throw new SocketException((int)SocketError.HostNotFound);
    }

    public override string ToString() => $"{Host}:{Port}";
}
