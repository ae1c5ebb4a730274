using Aegis.Core.Encoding;
using Aegis.Mesh.Pki;

namespace Aegis.Mesh.Session;

/// <summary>
/// What each side says inside its Noise message: its certificate, its role, the ports it listens on (so a peer can
/// fall back to TLS or probe UDP), its mesh address if leased, and a timestamp that only increases, so a recorded
/// handshake initiation replayed later cannot reset a session.
/// </summary>
public sealed record HandshakePayload(MeshCertificate Certificate, NodeType NodeType, ushort UdpPort, ushort TcpPort, uint LeasedAddress, long TimestampMs)
{
    public byte[] Encode()
    {
        var w = new CanonicalWriter(400);
        w.WriteBytes16(Certificate.Encode());
        w.WriteU8((byte)NodeType);
        w.WriteU16(UdpPort);
        w.WriteU16(TcpPort);
        w.WriteU32(LeasedAddress);
        w.WriteI64(TimestampMs);
        return w.ToArray();
    }

    public static HandshakePayload Decode(ReadOnlySpan<byte> bytes)
    {
        var r = new CanonicalReader(bytes);
        MeshCertificate cert = MeshCertificate.Decode(r.ReadBytes16("handshake.certificate", MeshCertificate.MaxEncodedSize));
        byte type = r.ReadU8("handshake.node_type");
        if (!Enum.IsDefined((NodeType)type))
        {
            throw new CodecException($"handshake.node_type: unknown value {type}");
        }

        var payload = new HandshakePayload(cert, (NodeType)type, r.ReadU16("handshake.udp_port"), r.ReadU16("handshake.tcp_port"), r.ReadU32("handshake.leased_address"), r.ReadI64("handshake.timestamp"));
        r.EnsureEnd("handshake payload");
        return payload;
    }
}

/// <summary>The contract's node types; the byte value travels in handshakes and coordinator messages.</summary>
public enum NodeType : byte
{
    Node = 0,
    Coordinator = 1,
    Relay = 2,
    Exit = 3,
}
