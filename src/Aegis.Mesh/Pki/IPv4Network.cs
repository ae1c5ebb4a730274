using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Aegis.Mesh.Pki;

/// <summary>
/// An IPv4 address with a prefix length (<c>100.64.0.5/16</c>): a node's mesh address with its network, or a CIDR.
/// Addresses are kept as host-order <see cref="uint"/>s so that the data path compares them without allocating.
/// </summary>
public readonly record struct IPv4Network(uint Address, byte PrefixLength)
{
    public uint Mask => PrefixLength == 0 ? 0 : uint.MaxValue << (32 - PrefixLength);

    public uint NetworkAddress => Address & Mask;

    public uint BroadcastAddress => NetworkAddress | ~Mask;

    public bool Contains(uint address) => (address & Mask) == NetworkAddress;

    public bool Contains(IPv4Network other) => other.PrefixLength >= PrefixLength && Contains(other.Address);

    public IPv4Network Network => new(NetworkAddress, PrefixLength);

    public IPAddress IPAddress => ToIPAddress(Address);

    public static IPAddress ToIPAddress(uint address)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, address);
        return new IPAddress(bytes);
    }

    public static uint FromIPAddress(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily != AddressFamily.InterNetwork)
        {
            throw new FormatException($"{address} is not an IPv4 address");
        }

        Span<byte> bytes = stackalloc byte[4];
        address.TryWriteBytes(bytes, out _);
        return BinaryPrimitives.ReadUInt32BigEndian(bytes);
    }

    public static string Format(uint address) => ToIPAddress(address).ToString();

    public override string ToString() => $"{Format(Address)}/{PrefixLength.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Parses <c>a.b.c.d/n</c>; a bare address gets /32. Throws <see cref="FormatException"/> naming what is wrong.</summary>
    public static IPv4Network Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string trimmed = text.Trim();
        int slash = trimmed.IndexOf('/', StringComparison.Ordinal);
        string host = slash < 0 ? trimmed : trimmed[..slash];
        byte prefix = 32;
        if (slash >= 0 && (!byte.TryParse(trimmed.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out prefix) || prefix > 32))
        {
            throw new FormatException($"'{text}': the prefix length after '/' must be 0 to 32");
        }

        if (!IPAddress.TryParse(host, out IPAddress? ip) || ip.AddressFamily != AddressFamily.InterNetwork || host.Count(c => c == '.') != 3)
        {
            throw new FormatException($"'{text}': expected an IPv4 address such as 100.64.0.5/16");
        }

        return new IPv4Network(FromIPAddress(ip), prefix);
    }

    public static bool TryParse(string? text, out IPv4Network network)
    {
        network = default;
        if (text is null)
        {
            return false;
        }

        try
        {
            network = Parse(text);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
