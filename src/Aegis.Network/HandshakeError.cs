namespace Aegis.Network;

/// <summary>
/// A handshake failure raised deep inside message decoding, where the endpoint is not known; the handshake turns it
/// into a <see cref="HandshakeException"/> that names the endpoint.
/// </summary>
internal sealed class HandshakeError : Exception
{
    public HandshakeError(HandshakeFailure reason, string message, Exception? inner = null)
        : base(message, inner) => Reason = reason;

    public HandshakeError()
    {
    }

    public HandshakeError(string message)
        : base(message)
    {
    }

    public HandshakeError(string message, Exception inner)
        : base(message, inner)
    {
    }

    public HandshakeFailure Reason { get; } = HandshakeFailure.ProtocolViolation;

    /// <summary>This node sent the peer a refusal with the reason before failing.</summary>
    public bool PeerWasTold { get; init; }
}
