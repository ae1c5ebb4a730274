namespace Aegis.Mesh.Engine;

/// <summary>Monotonic milliseconds and wall-clock time: the system clock in production, a manual one in tests.</summary>
public interface IMeshClock
{
    long NowMs { get; }

    DateTimeOffset UtcNow { get; }
}

/// <summary>The UDP socket. <see cref="Send"/> may batch; <see cref="Flush"/> sends what is batched.</summary>
public interface IUdpSender
{
    void Send(UdpEndpoint to, ReadOnlySpan<byte> packet);

    void Flush();
}

/// <summary>A TLS-over-TCP connection to one node, carrying the same packets as UDP, framed.</summary>
public interface ILink
{
    long Id { get; }

    /// <summary>The far end's address; for an accepted link its source port is ephemeral.</summary>
    UdpEndpoint Remote { get; }

    bool IsOpen { get; }

    /// <summary>Queues a packet; false when the link is closed or its send queue is full (the packet is dropped).</summary>
    bool Send(ReadOnlySpan<byte> packet);

    void Close();
}

/// <summary>Opens TLS links; the result arrives as <see cref="MeshEngine.OnLinkUp"/> or <see cref="MeshEngine.OnLinkFailed"/>.</summary>
public interface ILinkDialer
{
    void Dial(UdpEndpoint tcpEndpoint);
}

/// <summary>Where decrypted IPv4 packets for this node go: the TUN device.</summary>
public interface ITunWriter
{
    void Write(ReadOnlySpan<byte> packet);
}

/// <summary>The system clock.</summary>
public sealed class SystemMeshClock : IMeshClock
{
    public long NowMs => Environment.TickCount64;

    public DateTimeOffset UtcNow => DateTimeOffset.UtcNow;
}
