namespace Aegis.Network;

/// <summary>Raised by <see cref="SecureTransport.HandshakeFailed"/> after the failure has been counted and logged.</summary>
public sealed class HandshakeFailedEventArgs(HandshakeException error) : EventArgs
{
    public HandshakeException Error { get; } = error;
}
