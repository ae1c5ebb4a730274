using System.Net;
using System.Net.Sockets;
using Aegis.Core.Crypto;

namespace Aegis.Network.Tests;

/// <summary>The handshake and the sealed channel over real TCP on 127.0.0.1.</summary>
public sealed class SecureTransportTests : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly EcdsaP256Signer _server = EcdsaP256Signer.Generate();
    private readonly EcdsaP256Signer _client = EcdsaP256Signer.Generate();
    private readonly CancellationToken _ct = new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    public SecureTransportTests() => _listener.Start();

    public void Dispose()
    {
        _listener.Stop();
        _listener.Dispose();
        _server.Dispose();
        _client.Dispose();
    }

    private IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndpoint;

    private async Task<SecureChannel> AcceptAsync(SecureTransport transport) => await transport.AcceptAsync(await _listener.AcceptTcpClientAsync(_ct), _ct);

    [Fact]
    public async Task Both_sides_prove_their_keys_and_payloads_round_trip_in_order()
    {
        var serverSide = new SecureTransport("chain", _server, key => key.Equals(_client.PublicKey) ? PeerRole.Validator : null);
        var clientSide = new SecureTransport("chain", _client, _ => PeerRole.Validator);
        Task<SecureChannel> accept = AcceptAsync(serverSide);
        await using SecureChannel c = await clientSide.ConnectAsync(EndPoint, _server.PublicKey, _ct);
        await using SecureChannel s = await accept;

        Assert.Equal(_client.PublicKey, s.RemoteIdentity);
        Assert.Equal(_server.PublicKey, c.RemoteIdentity);
        byte[] big = new byte[1024 * 1024];
        new Random(1).NextBytes(big);
        await c.SendAsync(new byte[] { 7 }, _ct);
        await c.SendAsync(big, _ct);
        for (int i = 0; i < 100; i++)
        {
            await c.SendAsync(BitConverter.GetBytes(i), _ct);
        }

        Assert.Equal([7], await s.ReceiveAsync(_ct));
        Assert.Equal(big, await s.ReceiveAsync(_ct));
        for (int i = 0; i < 100; i++)
        {
            Assert.Equal(i, BitConverter.ToInt32((await s.ReceiveAsync(_ct))!));
        }
    }

    [Fact]
    public async Task A_peer_presenting_another_key_than_expected_or_an_unauthorized_key_is_rejected()
    {
        var serverSide = new SecureTransport("chain", _server, _ => null);
        var clientSide = new SecureTransport("chain", _client, _ => PeerRole.Validator);
        using EcdsaP256Signer someoneElse = EcdsaP256Signer.Generate();

        Task<SecureChannel> accept = AcceptAsync(serverSide);
        HandshakeException wrongKey = await Assert.ThrowsAsync<HandshakeException>(() => clientSide.ConnectAsync(EndPoint, someoneElse.PublicKey, _ct));
        Assert.Contains("expected validator key", wrongKey.Message, StringComparison.Ordinal);
        await Assert.ThrowsAnyAsync<Exception>(() => accept);

        Task<SecureChannel> accept2 = AcceptAsync(serverSide);
        await Assert.ThrowsAnyAsync<Exception>(() => clientSide.ConnectAsync(EndPoint, _server.PublicKey, _ct));
        HandshakeException refused = await Assert.ThrowsAsync<HandshakeException>(() => accept2);
        Assert.Contains("not allowed", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wrong_chain_and_garbage_fail_the_handshake_with_a_reason()
    {
        var serverSide = new SecureTransport("chain-a", _server, _ => PeerRole.Validator);
        var clientSide = new SecureTransport("chain-b", _client, _ => PeerRole.Validator);
        Task<SecureChannel> accept = AcceptAsync(serverSide);
        await Assert.ThrowsAnyAsync<Exception>(() => clientSide.ConnectAsync(EndPoint, null, _ct));
        Assert.Contains("chain 'chain-b'", (await Assert.ThrowsAsync<HandshakeException>(() => accept)).Message, StringComparison.Ordinal);

        Task<SecureChannel> accept2 = AcceptAsync(serverSide);
        using var raw = new TcpClient();
        await raw.ConnectAsync(EndPoint, _ct);
        await raw.GetStream().WriteAsync(new byte[] { 0, 0, 0, 5, 1, 2, 3, 4, 5 }, _ct);
        Assert.Contains("magic", (await Assert.ThrowsAsync<HandshakeException>(() => accept2)).Message, StringComparison.Ordinal);

        Task<SecureChannel> accept3 = AcceptAsync(serverSide);
        using var huge = new TcpClient();
        await huge.ConnectAsync(EndPoint, _ct);
        await huge.GetStream().WriteAsync(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF }, _ct);
        Assert.Contains("exceeds", (await Assert.ThrowsAsync<HandshakeException>(() => accept3)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bit_flipped_on_the_wire_after_the_handshake_fails_authentication()
    {
        var serverSide = new SecureTransport("chain", _server, _ => PeerRole.Validator);
        var clientSide = new SecureTransport("chain", _client, _ => PeerRole.Validator);

        // A one-way tampering proxy: passes the handshake (a few hundred bytes), then flips a bit in the first large frame.
        using var proxy = new TcpListener(IPAddress.Loopback, 0);
        proxy.Start();
        Task relay = Task.Run(async () =>
        {
            using TcpClient inbound = await proxy.AcceptTcpClientAsync(_ct);
            using var outbound = new TcpClient();
            await outbound.ConnectAsync(EndPoint, _ct);
            Task down = outbound.GetStream().CopyToAsync(inbound.GetStream(), _ct);
            var buffer = new byte[65536];
            NetworkStream from = inbound.GetStream();
            NetworkStream to = outbound.GetStream();
            long forwarded = 0;
            int n;
            while ((n = await from.ReadAsync(buffer, _ct)) > 0)
            {
                if (forwarded + n > 1000)
                {
                    buffer[n - 1] ^= 0x01;
                }

                await to.WriteAsync(buffer.AsMemory(0, n), _ct);
                forwarded += n;
            }
        }, _ct);

        Task<SecureChannel> accept = AcceptAsync(serverSide);
        await using SecureChannel c = await clientSide.ConnectAsync((IPEndPoint)proxy.LocalEndpoint, null, _ct);
        await using SecureChannel s = await accept;
        await c.SendAsync(new byte[3000], _ct);
        PeerProtocolException failure = await Assert.ThrowsAsync<PeerProtocolException>(async () => await s.ReceiveAsync(_ct));
        Assert.Contains("failed authentication", failure.Message, StringComparison.Ordinal);
        proxy.Stop();
        _ = relay;
    }
}
