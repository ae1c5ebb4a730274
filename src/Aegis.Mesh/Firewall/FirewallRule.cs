using System.Globalization;
using Aegis.Mesh.Packets;
using Aegis.Mesh.Pki;

namespace Aegis.Mesh.Firewall;

/// <summary>
/// One allow rule: a protocol, a port range (the destination port of the packet as this node sees it) and who the peer is
/// — every listed group (Nebula's <c>groups</c> semantics), one of the listed hosts (certificate names), or a source
/// address inside one of the CIDRs. A selector left empty matches everything; <c>any</c> in groups or hosts does too.
/// </summary>
public sealed record FirewallRule(byte? Protocol, ushort PortFrom, ushort PortTo, IReadOnlyList<string> Groups, IReadOnlyList<string> Hosts, IReadOnlyList<IPv4Network> Cidrs)
{
    public const string Any = "any";

    public bool Matches(in IPv4Packet packet, uint remoteAddress, MeshIdentity peer)
    {
        if (Protocol is { } p && p != packet.Protocol)
        {
            return false;
        }

        // Ports only exist on TCP and UDP (ICMP echo ids are not ports); a later fragment has none and passes on its protocol.
        if ((PortFrom != 0 || PortTo != ushort.MaxValue) && packet.Protocol is IPv4Packet.Tcp or IPv4Packet.Udp && !packet.IsLaterFragment)
        {
            if (packet.DestinationPort < PortFrom || packet.DestinationPort > PortTo)
            {
                return false;
            }
        }

        if (Groups.Count > 0 && !(Groups.Count == 1 && Groups[0] == Any) && !Groups.All(peer.Groups.Contains))
        {
            return false;
        }

        if (Hosts.Count > 0 && !Hosts.Contains(Any) && !Hosts.Contains(peer.Name))
        {
            return false;
        }

        return Cidrs.Count == 0 || Cidrs.Any(c => c.Contains(remoteAddress));
    }

    public static byte? ParseProtocol(string text) => text.ToLowerInvariant() switch
    {
        "any" => null,
        "icmp" => IPv4Packet.Icmp,
        "tcp" => IPv4Packet.Tcp,
        "udp" => IPv4Packet.Udp,
        _ => throw new FormatException($"'{text}': expected any, icmp, tcp or udp"),
    };

    /// <summary>Parses <c>any</c>, <c>22</c> or <c>8000-8100</c>.</summary>
    public static (ushort From, ushort To) ParsePorts(string text)
    {
        string t = text.Trim();
        if (t.Length == 0 || t == Any)
        {
            return (0, ushort.MaxValue);
        }

        string[] parts = t.Split('-', 2);
        if (!ushort.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out ushort from) ||
            (parts.Length == 2 ? !ushort.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out ushort to) : !ushort.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out to)) ||
            from > to || from == 0)
        {
            throw new FormatException($"'{text}': expected any, a port (1-65535) or a range such as 8000-8100");
        }

        return (from, to);
    }
}

/// <summary>Who a packet is from (or to), as its certificate says; rules match on this.</summary>
public sealed record MeshIdentity(string Name, IReadOnlySet<string> Groups)
{
    public static MeshIdentity Unknown { get; } = new("", new HashSet<string>());

    public static MeshIdentity Of(MeshCertificate cert) => new(cert.Name, cert.Groups.ToHashSet(StringComparer.Ordinal));
}
