using System.Net;
using Microsoft.Extensions.Logging;

namespace Aegis.Network;

/// <summary>The network's log lines, with structured fields an operator can filter on.</summary>
internal static partial class NetworkLog
{
    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning, Message = "p2p {Direction} handshake with {Remote} failed ({Reason}): {Detail} [{Suppressed} more failures for this reason not logged since the last such line]")]
    public static partial void HandshakeFailed(this ILogger logger, string direction, EndPoint? remote, HandshakeFailure reason, string detail, long suppressed);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Debug, Message = "p2p {Direction} handshake with {Remote} done in {ElapsedMs:0.0} ms: peer {Peer} as {Role}")]
    public static partial void HandshakeCompleted(this ILogger logger, string direction, EndPoint remote, string peer, PeerRole role, double elapsedMs);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Debug, Message = "p2p channel to {Remote} (peer {Peer}) closed: {Reason}")]
    public static partial void ChannelClosed(this ILogger logger, EndPoint remote, string peer, string reason);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Warning, Message = "p2p listener on {Local} refused a connection from {Remote} ({Reason}): {Detail} [{Suppressed} more refusals for this reason not logged since the last such line]")]
    public static partial void ConnectionRefused(this ILogger logger, EndPoint local, EndPoint? remote, string reason, string detail, long suppressed);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Warning, Message = "p2p listener on {Local} failed to accept a connection: {Error} [{Suppressed} more not logged since the last such line]")]
    public static partial void AcceptFailed(this ILogger logger, EndPoint local, string error, long suppressed);

    [LoggerMessage(EventId = 4006, Level = LogLevel.Information, Message = "p2p listener on {Local} started")]
    public static partial void ListenerStarted(this ILogger logger, EndPoint local);
}
