namespace Aegis.Network;

/// <summary>The node's view of its peers: send to a validator by index or to everyone; incoming messages arrive through <see cref="IPeerMessageHandler"/>.</summary>
public interface IPeerNetwork
{
    /// <summary>Begins connecting and delivering incoming messages to <paramref name="handler"/>; called once, by the node's runtime when it is ready for them.</summary>
    void Start(IPeerMessageHandler handler);

    void Send(int validator, PeerMessage message);

    void Broadcast(PeerMessage message);

    IReadOnlyList<PeerInfo> Peers { get; }
}

public interface IPeerMessageHandler
{
    /// <summary>Called on the connection's reader; <paramref name="validator"/> is -1 for an observer.</summary>
    ValueTask HandleAsync(PeerConnectionInfo from, PeerMessage message, CancellationToken ct);
}

public sealed record PeerConnectionInfo(int Validator, string Id, string Address, Action<PeerMessage> Reply);

public sealed record PeerInfo(string Id, int Validator, string Address, string Role, bool Outbound, double? RttSeconds, long BytesSent, long BytesReceived);
