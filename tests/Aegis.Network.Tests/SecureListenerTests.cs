using System.Net.Sockets;
using System.Threading.Channels;
using Aegis.Core.Crypto;
using Aegis.Network.Tests.Support;

namespace Aegis.Network.Tests;

/// <summary>The listener stays bounded under a flood of idle connections and stops cleanly.</summary>
public sealed class SecureListenerTests : IDisposable
{
    private readonly EcdsaP256Signer _serverKey = EcdsaP256Signer.Generate();
    private readonly EcdsaP256Signer _clientKey = EcdsaP256Signer.Generate();
    private readonly CancellationToken _ct = Net.Deadline();

    public void Dispose()
    {
        _serverKey.Dispose();
        _clientKey.Dispose();
    }

    [Fact(Timeout = Net.TestTimeoutMs)]
    public async Task Connections_beyond_the_pending_handshake_limit_are_closed_on_arrival()
    {
        SecureTransport server = Net.Transport(_serverKey, handshakeTimeout: TimeSpan.FromSeconds(15));
        ChannelReader<HandshakeException> failures = Net.RecordFailures(server);
        await using SecureListener listener = server.Listen(Net.AnyLoopbackPort, new PeerLimits { MaxPendingHandshakes = 2 });

        // Two silent clients hold both handshake slots; reading the node's HELLO proves each slot is taken.
        using TcpClient first = await Net.RawConnectAsync(listener.LocalEndPoint, _ct);
        using TcpClient second = await Net.RawConnectAsync(listener.LocalEndPoint, _ct);
        await ReadHelloAsync(first);
        await ReadHelloAsync(second);
        Assert.Equal(2, listener.PendingHandshakes);

        Assert.False(await Net.IsServedAsync(listener.LocalEndPoint, _ct));

        // Freeing a slot lets the next good peer in.
        first.Close();
        Assert.Equal(HandshakeFailure.ConnectionLost, (await failures.ReadAsync(_ct)).Reason);
        // The failure is raised inside the handshake; its slot is given back just after, on the listener's thread.
        await Net.WaitUntilAsync(() => listener.PendingHandshakes == 1, _ct);
        Task<SecureChannel> accepted = listener.AcceptAsync(_ct).AsTask();
        await using SecureChannel good = await Net.Transport(_clientKey).ConnectAsync(listener.LocalEndPoint, null, _ct);
        await using SecureChannel serverSide = await accepted;
        Assert.Equal(_clientKey.PublicKey, serverSide.RemoteIdentity);
    }

    [Fact(Timeout = Net.TestTimeoutMs)]
    public async Task A_disposed_listener_refuses_accepts_and_closes_channels_nobody_took()
    {
        SecureListener listener = Net.Transport(_serverKey).Listen(Net.AnyLoopbackPort);
        await using SecureChannel client = await Net.Transport(_clientKey).ConnectAsync(listener.LocalEndPoint, null, _ct);
        await listener.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await listener.AcceptAsync(_ct));
        Assert.Null(await client.ReceiveAsync(_ct));
        await Assert.ThrowsAnyAsync<SocketException>(() => Net.Transport(_clientKey).ConnectAsync(listener.LocalEndPoint, null, _ct));
    }

    private async Task ReadHelloAsync(TcpClient client)
    {
        byte[] header = new byte[8];
        await client.GetStream().ReadExactlyAsync(header, _ct);
        Assert.Equal("AEGS"u8.ToArray(), header[4..]);
    }
}
