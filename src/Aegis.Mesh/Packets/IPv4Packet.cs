using System.Buffers.Binary;

namespace Aegis.Mesh.Packets;

/// <summary>The fields of an IPv4 packet the firewall and router read, parsed without allocating.</summary>
public readonly ref struct IPv4Packet
{
    public const byte Icmp = 1;
    public const byte Tcp = 6;
    public const byte Udp = 17;

    private IPv4Packet(byte protocol, uint source, uint destination, ushort sourcePort, ushort destinationPort, byte icmpType, bool isFragment)
    {
        Protocol = protocol;
        Source = source;
        Destination = destination;
        SourcePort = sourcePort;
        DestinationPort = destinationPort;
        IcmpType = icmpType;
        IsLaterFragment = isFragment;
    }

    public byte Protocol { get; }

    public uint Source { get; }

    public uint Destination { get; }

    /// <summary>TCP/UDP source port; the ICMP echo identifier for ICMP echo, so echo flows can be tracked like ports.</summary>
    public ushort SourcePort { get; }

    public ushort DestinationPort { get; }

    public byte IcmpType { get; }

    /// <summary>A fragment other than the first carries no ports; it is judged by its addresses and protocol alone.</summary>
    public bool IsLaterFragment { get; }

    /// <summary>False for anything that is not a well-formed IPv4 header (IPv6 included: the mesh is IPv4).</summary>
    public static bool TryParse(ReadOnlySpan<byte> packet, out IPv4Packet result)
    {
        result = default;
        if (packet.Length < 20 || packet[0] >> 4 != 4)
        {
            return false;
        }

        int headerLength = (packet[0] & 0x0f) * 4;
        if (headerLength < 20 || packet.Length < headerLength)
        {
            return false;
        }

        byte protocol = packet[9];
        uint source = BinaryPrimitives.ReadUInt32BigEndian(packet[12..]);
        uint destination = BinaryPrimitives.ReadUInt32BigEndian(packet[16..]);
        bool laterFragment = (BinaryPrimitives.ReadUInt16BigEndian(packet[6..]) & 0x1fff) != 0;
        ushort sp = 0, dp = 0;
        byte icmpType = 0;
        ReadOnlySpan<byte> l4 = packet[headerLength..];
        if (!laterFragment)
        {
            switch (protocol)
            {
                case Tcp or Udp when l4.Length >= 4:
                    sp = BinaryPrimitives.ReadUInt16BigEndian(l4);
                    dp = BinaryPrimitives.ReadUInt16BigEndian(l4[2..]);
                    break;
                case Icmp when l4.Length >= 8:
                    icmpType = l4[0];
                    // Echo request (8) and reply (0): the identifier plays the role of both ports.
                    if (icmpType is 0 or 8)
                    {
                        sp = dp = BinaryPrimitives.ReadUInt16BigEndian(l4[4..]);
                    }

                    break;
                case Tcp or Udp or Icmp:
                    return false;
            }
        }

        result = new IPv4Packet(protocol, source, destination, sp, dp, icmpType, laterFragment);
        return true;
    }

    /// <summary>The destination address of an IPv4 packet, the one field routing needs; false when it is not IPv4.</summary>
    public static bool TryDestination(ReadOnlySpan<byte> packet, out uint destination)
    {
        destination = 0;
        if (packet.Length < 20 || packet[0] >> 4 != 4)
        {
            return false;
        }

        destination = BinaryPrimitives.ReadUInt32BigEndian(packet[16..]);
        return true;
    }
}
