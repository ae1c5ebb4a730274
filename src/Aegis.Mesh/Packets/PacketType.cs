namespace Aegis.Mesh.Packets;

/// <summary>
/// The first byte of every underlay packet (UDP datagram, TLS frame or relayed payload). Every header is a multiple of
/// 4 bytes and the rest of its first word is zero, so a future version can use it.
/// </summary>
public enum PacketType : byte
{
    /// <summary>[1][000][sender index u32][Noise IX message 1].</summary>
    HandshakeInit = 1,

    /// <summary>[2][000][sender index u32][receiver index u32][Noise IX message 2].</summary>
    HandshakeResponse = 2,

    /// <summary>[3][000][receiver index u32][counter u64][AEAD ciphertext ‖ tag]; the 16-byte header is the AAD.</summary>
    Data = 3,

    /// <summary>[6][000]: carries nothing; sent to open a NAT mapping toward a peer (hole punching).</summary>
    Punch = 6,

    /// <summary>
    /// [7][000][receiver index u32]: "no session has this index here" — the answer to a data packet this node cannot
    /// place, typically because it restarted. Unauthenticated, so it only makes the sender re-handshake sooner (it
    /// would after its liveness check anyway); the index is 32 random bits only the two ends and the path see.
    /// </summary>
    SessionUnknown = 7,
}

/// <summary>Sizes and offsets of the wire format; little-endian integers (the data path's native order on x86 and ARM).</summary>
public static class Wire
{
    public const int DataHeaderSize = 16;
    public const int HandshakeInitHeaderSize = 8;
    public const int HandshakeResponseHeaderSize = 12;
    public const int SessionUnknownSize = 8;
    /// <summary>A relayed packet travels inside the sender↔relay session after a 5-byte header ([kind][mesh address]).</summary>
    public const int RelayHeaderSize = 5;
    public const int TagSize = 16;

    /// <summary>Data header + tag: what the tunnel adds to each inner packet (plus 37 more through a relay).</summary>
    public const int DataOverhead = DataHeaderSize + TagSize;

    /// <summary>The largest underlay packet accepted; TLS frames carry the same packets, so the same bound holds.</summary>
    public const int MaxPacketSize = 65535;
}

/// <summary>
/// The first byte of a decrypted data payload. IPv4 packets start with 0x4_ (version 4); everything else the mesh says
/// to itself (coordinator messages, pings, relayed packets) uses values below 0x40. An empty payload is a keepalive.
/// </summary>
public enum PayloadKind : byte
{
    Register = 0x01,
    RegisterAck = 0x02,
    Query = 0x03,
    QueryReply = 0x04,
    PunchNotify = 0x05,
    Ping = 0x06,
    Pong = 0x07,
    Revocations = 0x08,
    QueryName = 0x09,

    /// <summary>[0x10][target mesh address u32][inner packet]: to a relay, authenticated by the sender↔relay session.</summary>
    RelayForward = 0x10,

    /// <summary>[0x11][source mesh address u32][inner packet]: from a relay; the inner packet is end-to-end encrypted.</summary>
    RelayDeliver = 0x11,
}
