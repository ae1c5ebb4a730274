using System.Buffers.Binary;

namespace Aegis.Mesh.Tests.Support;

/// <summary>Hand-built IPv4 packets (checksums are not checked by the engine, so they are left zero).</summary>
internal static class TestPackets
{
    public static byte[] Icmp(uint source, uint destination, ushort id = 7, byte type = 8) => Build(source, destination, 1, l4 =>
    {
        l4[0] = type;
        BinaryPrimitives.WriteUInt16BigEndian(l4[4..], id);
    }, 16);

    public static byte[] Tcp(uint source, uint destination, ushort sourcePort, ushort destinationPort) => Build(source, destination, 6, l4 =>
    {
        BinaryPrimitives.WriteUInt16BigEndian(l4, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(l4[2..], destinationPort);
    }, 20);

    public static byte[] Udp(uint source, uint destination, ushort sourcePort, ushort destinationPort) => Build(source, destination, 17, l4 =>
    {
        BinaryPrimitives.WriteUInt16BigEndian(l4, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(l4[2..], destinationPort);
    }, 8);

    private delegate void Fill(Span<byte> l4);

    private static byte[] Build(uint source, uint destination, byte protocol, Fill fill, int l4Length)
    {
        var packet = new byte[20 + l4Length];
        packet[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)packet.Length);
        packet[8] = 64;
        packet[9] = protocol;
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(12), source);
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(16), destination);
        fill(packet.AsSpan(20));
        return packet;
    }
}
