using System.Globalization;
using System.Net;
using Aegis.Mesh.Pki;

namespace Aegis.Mesh.Engine;

/// <summary>An IPv4 underlay endpoint as two integers (host order), so the data path compares and stores it without allocating.</summary>
public readonly record struct UdpEndpoint(uint Address, ushort Port)
{
    public bool IsEmpty => Address == 0 && Port == 0;

    public IPEndPoint ToIPEndPoint() => new(IPv4Network.ToIPAddress(Address), Port);

    public static UdpEndpoint From(IPEndPoint endpoint) => new(IPv4Network.FromIPAddress(endpoint.Address), (ushort)endpoint.Port);

    public override string ToString() => $"{IPv4Network.Format(Address)}:{Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Parses <c>a.b.c.d:port</c> (IPv4: the underlay here is IPv4).</summary>
    public static bool TryParse(string text, out UdpEndpoint endpoint)
    {
        endpoint = default;
        int colon = text.LastIndexOf(':');
        if (colon <= 0 || !ushort.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out ushort port) || port == 0)
        {
            return false;
        }

        if (!IPAddress.TryParse(text[..colon], out IPAddress? ip) || ip.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
        {
            return false;
        }

        endpoint = new UdpEndpoint(IPv4Network.FromIPAddress(ip), port);
        return true;
    }
}
