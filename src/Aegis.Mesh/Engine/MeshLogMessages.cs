using Microsoft.Extensions.Logging;

namespace Aegis.Mesh.Engine;

/// <summary>The engine's log lines, with structured fields an operator can filter on.</summary>
internal static partial class MeshLogMessages
{
    [LoggerMessage(EventId = 7001, Level = LogLevel.Information, Message = "tunnel up with {Peer} ({MeshAddress}) over {Transport} {Path}")]
    public static partial void TunnelUp(ILogger logger, string peer, string meshAddress, string transport, string path);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Warning, Message = "handshake from {Source} refused: {Reason}")]
    public static partial void HandshakeRefused(ILogger logger, string source, string reason);

    [LoggerMessage(EventId = 7003, Level = LogLevel.Information, Message = "{Peer}: path switched from {From} to {To} {Path}")]
    public static partial void PathSwitched(ILogger logger, string peer, string from, string to, string path);

    [LoggerMessage(EventId = 7004, Level = LogLevel.Warning, Message = "{Peer}: {Transport} path silent for {SilentMs} ms, reconnecting")]
    public static partial void PathDead(ILogger logger, string peer, string transport, long silentMs);

    [LoggerMessage(EventId = 7005, Level = LogLevel.Warning, Message = "{Peer}: no path answered within {ElapsedMs} ms; queued packets dropped")]
    public static partial void DialGaveUp(ILogger logger, string peer, long elapsedMs);

    [LoggerMessage(EventId = 7006, Level = LogLevel.Debug, Message = "{Peer}: rekeying ({Reason})")]
    public static partial void Rekey(ILogger logger, string peer, string reason);

    [LoggerMessage(EventId = 7007, Level = LogLevel.Information, Message = "leased mesh address {Address}/{Prefix}")]
    public static partial void Leased(ILogger logger, string address, byte prefix);

    [LoggerMessage(EventId = 7008, Level = LogLevel.Warning, Message = "{Count} certificates newly revoked")]
    public static partial void Revoked(ILogger logger, int count);

    [LoggerMessage(EventId = 7009, Level = LogLevel.Warning, Message = "{Peer}: certificate revoked, tunnel closed")]
    public static partial void PeerRevoked(ILogger logger, string peer);

    [LoggerMessage(EventId = 7010, Level = LogLevel.Information, Message = "internet traffic goes through exit node {Peer} ({MeshAddress})")]
    public static partial void ExitChosen(ILogger logger, string peer, string meshAddress);

    [LoggerMessage(EventId = 7012, Level = LogLevel.Information, Message = "{Peer}: lost our session ({Source}; restarted?), handshaking again")]
    public static partial void SessionLost(ILogger logger, string peer, string source);

    [LoggerMessage(EventId = 7011, Level = LogLevel.Warning, Message = "{Peer}: bad control message: {Reason}")]
    public static partial void BadControl(ILogger logger, string peer, string reason);
}
