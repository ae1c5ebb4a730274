using System.Net;

namespace Aegis.Network;

/// <summary>A failed handshake. The message names the remote endpoint and the reason; the connection is closed.</summary>
public sealed class HandshakeException : Exception
{
    public HandshakeException(HandshakeFailure reason, EndPoint? remoteEndPoint, bool outbound, string detail, Exception? inner = null)
        : base($"{(outbound ? "outbound" : "inbound")} handshake with {remoteEndPoint?.ToString() ?? "an unknown endpoint"} failed: {detail}", inner)
    {
        Reason = reason;
        RemoteEndPoint = remoteEndPoint;
        Outbound = outbound;
        Detail = detail;
    }

    public HandshakeException(string message)
        : base(message)
    {
        Detail = message;
    }

    public HandshakeException(string message, Exception inner)
        : base(message, inner)
    {
        Detail = message;
    }

    public HandshakeException()
    {
        Detail = Message;
    }

    public HandshakeFailure Reason { get; }

    public EndPoint? RemoteEndPoint { get; }

    /// <summary>True when this node dialed.</summary>
    public bool Outbound { get; }

    /// <summary>The reason alone, without the endpoint, for structured logs.</summary>
    public string Detail { get; }

    /// <summary>Set when this node told the peer why it was refused, so the socket is closed gracefully for it to read that.</summary>
    internal bool PeerWasTold { get; init; }
}
