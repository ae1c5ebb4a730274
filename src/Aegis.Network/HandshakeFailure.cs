namespace Aegis.Network;

/// <summary>Why a handshake failed; the exception's message carries the details.</summary>
public enum HandshakeFailure
{
    /// <summary>Anything not covered below (an oversized or truncated handshake frame, say).</summary>
    ProtocolViolation,

    /// <summary>The first frame did not start with the AEGIS magic: not an AEGIS peer.</summary>
    BadMagic,

    /// <summary>The peer speaks a protocol version this node does not.</summary>
    UnsupportedVersion,

    /// <summary>The peer belongs to another chain.</summary>
    ChainMismatch,

    /// <summary>A handshake message did not decode, or carried an invalid key.</summary>
    MalformedMessage,

    /// <summary>The AUTH frame failed to decrypt or its identity signature did not verify.</summary>
    BadSignature,

    /// <summary>An outbound dial reached a peer that proved another identity than the one expected.</summary>
    UnexpectedIdentity,

    /// <summary>The authorization policy refused the peer's identity.</summary>
    Unauthorized,

    /// <summary>The peer refused this node and said why.</summary>
    RefusedByPeer,

    /// <summary>The handshake did not finish within the timeout.</summary>
    Timeout,

    /// <summary>The connection closed or broke before the handshake finished.</summary>
    ConnectionLost,
}
