namespace Aegis.Network;

/// <summary>
/// A peer broke the wire protocol after or outside the handshake: an over-long or truncated frame, or a sealed frame
/// that failed authentication. The channel that saw it is closed. (Not named ProtocolViolationException so that it
/// never collides with System.Net's class of that name.)
/// </summary>
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
