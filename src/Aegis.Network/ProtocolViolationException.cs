namespace Aegis.Network;

/// <summary>A peer broke the wire protocol (bad frame length, failed authentication, garbage). The connection is closed.</summary>
public sealed class PeerProtocolException : Exception
{
    public PeerProtocolException(string message)
        : base(message)
    {
    }

    public PeerProtocolException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public PeerProtocolException()
    {
    }
}

/// <summary>A handshake that failed; the message names the reason and the remote endpoint.</summary>
public sealed class HandshakeException : Exception
{
    public HandshakeException(string message)
        : base(message)
    {
    }

    public HandshakeException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public HandshakeException()
    {
    }
}
