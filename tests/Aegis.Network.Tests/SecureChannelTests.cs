using System.Buffers;
using System.Buffers.Binary;
using Aegis.Core.Crypto;
using Aegis.Network.Tests.Support;

namespace Aegis.Network.Tests;

/// <summary>The sealed channel after the handshake, over real TCP on 127.0.0.1, honest and under attack.</summary>
public sealed class SecureChannelTests : IDisposable
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
    public async Task Payloads_of_1_byte_1_MiB_and_many_small_ones_arrive_whole_and_in_order_both_ways()
    {
        await using Connected pair = await ConnectPairAsync();
        (SecureChannel client, SecureChannel server) = pair;
        byte[] big = new byte[1024 * 1024];
        new Random(7).NextBytes(big);
        Task sending = Task.Run(async () =>
        {
            await client.SendAsync(new byte[] { 42 }, _ct);
            await client.SendAsync(big, _ct);
            await client.SendAsync(ReadOnlyMemory<byte>.Empty, _ct);
            for (int i = 0; i < 1000; i++)
            {
                await client.SendAsync(BitConverter.GetBytes(i), _ct);
            }
        });

        Assert.Equal([42], await ReceiveBytesAsync(server));
        Assert.Equal(big, await ReceiveBytesAsync(server));
        Assert.Empty(await ReceiveBytesAsync(server));
        for (int i = 0; i < 1000; i++)
        {
            Assert.Equal(i, BitConverter.ToInt32(await ReceiveBytesAsync(server)));
        }

        await sending;
        await server.SendAsync("pong"u8.ToArray(), _ct);
        Assert.Equal("pong"u8.ToArray(), await ReceiveBytesAsync(client));

        // Wire bytes: each frame is 4 (length) + payload + 16 (tag).
        long expected = (4 + 1 + 16) + (4 + big.Length + 16) + (4 + 0 + 16) + (1000 * (4 + 4 + 16));
        Assert.Equal(expected, client.BytesSent);
        Assert.Equal(expected, server.BytesReceived);
        Assert.Equal(server.BytesSent, client.BytesReceived);
    }

    [Fact(Timeout = Net.TestTimeoutMs)]
    public async Task Concurrent_senders_interleave_whole_frames_and_each_keeps_its_order()
    {
        const int senders = 8;
        const int perSender = 250;
        await using Connected pair = await ConnectPairAsync();
        (SecureChannel client, SecureChannel server) = pair;
        Task[] sending = [.. Enumerable.Range(0, senders).Select(s => Task.Run(async () =>
        {
            for (int seq = 0; seq < perSender; seq++)
            {
                byte[] payload = new byte[5 + (seq % 300)];
                payload[0] = (byte)s;
                BinaryPrimitives.WriteInt32BigEndian(payload.AsSpan(1), seq);
                await client.SendAsync(payload, _ct);
            }
        }))];

        int[] next = new int[senders];
        for (int n = 0; n < senders * perSender; n++)
        {
            byte[] payload = await ReceiveBytesAsync(server);
            int s = payload[0];
            Assert.Equal(next[s]++, BinaryPrimitives.ReadInt32BigEndian(payload.AsSpan(1)));
            Assert.Equal(5 + ((next[s] - 1) % 300), payload.Length);
        }

        await Task.WhenAll(sending);
        Assert.All(next, count => Assert.Equal(perSender, count));
    }

    [Fact(Timeout = Net.TestTimeoutMs)]
    public async Task A_clean_close_reads_as_null()
    {
        await using Connected pair = await ConnectPairAsync();
        (SecureChannel client, SecureChannel server) = pair;
        await client.SendAsync(new byte[] { 1 }, _ct);
        await client.DisposeAsync();
        Assert.Equal([1], await ReceiveBytesAsync(server));
        Assert.Null(await server.ReceiveAsync(_ct));
        Assert.False(client.IsOpen);
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await client.SendAsync(new byte[] { 2 }, _ct));
    }

    [Fact(Timeout = Net.TestTimeoutMs)]
    public async Task A_bit_flipped_on_the_wire_fails_authentication_and_closes_the_channel()
    {
        // Frame 3 from the dialer is its first payload; byte 9 is inside the ciphertext.
        PeerProtocolException ex = await TamperAndReceiveAsync((i, frame) => i == TamperingProxy.HandshakeFrames ? TamperingProxy.FlipOneBit(frame, 9) : frame, "a tamper-evident payload");
        Assert.StartsWith("sealed frame #2 failed authentication: it was tampered with, reordered, replayed or truncated; channel to 127.0.0.1:", ex.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = Net.TestTimeoutMs)]
    public async Task A_replayed_frame_fails_authentication()
    {
        await using Connected pair = await ThroughProxyAsync((i, frame) => i == TamperingProxy.HandshakeFrames ? [.. frame, .. frame] : frame);
        (SecureChannel client, SecureChannel server) = pair;
        await client.SendAsync("transfer 10"u8.ToArray(), _ct);
        Assert.Equal("transfer 10"u8.ToArray(), await ReceiveBytesAsync(server));
        PeerProtocolException ex = await Assert.ThrowsAsync<PeerProtocolException>(async () => await server.ReceiveAsync(_ct));
        Assert.Contains("sealed frame #3 failed authentication", ex.Message, StringComparison.Ordinal);
        Assert.False(server.IsOpen);
    }

    [Fact(Timeout = Net.TestTimeoutMs)]
    public async Task Reordered_frames_fail_authentication()
    {
        byte[]? held = null;
        PeerProtocolException ex = await TamperAndReceiveAsync(
            (i, frame) =>
            {
                if (i == TamperingProxy.HandshakeFrames)
                {
                    held = frame;
                    return [];
                }

                return i == TamperingProxy.HandshakeFrames + 1 ? [.. frame, .. held!] : frame;
            },
            "first",
            "second");
        Assert.Contains("sealed frame #2 failed authentication", ex.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = Net.TestTimeoutMs)]
    public async Task A_sealed_frame_shorter_than_its_tag_or_cut_off_mid_frame_is_refused()
    {
        PeerProtocolException tiny = await TamperAndReceiveAsync((i, frame) => i == TamperingProxy.HandshakeFrames ? [0, 0, 0, 5, 1, 2, 3, 4, 5] : frame, "payload");
        Assert.StartsWith("sealed frame of 5 bytes is shorter than its 16-byte tag", tiny.Message, StringComparison.Ordinal);

        // The proxy forwards half of the first payload frame, then the dialer hangs up.
        await using Connected pair = await ThroughProxyAsync((i, frame) => i == TamperingProxy.HandshakeFrames ? frame[..(frame.Length / 2)] : frame);
        (SecureChannel client, SecureChannel server) = pair;
        await client.SendAsync(new byte[100], _ct);
        await client.DisposeAsync();
        PeerProtocolException cut = await Assert.ThrowsAsync<PeerProtocolException>(async () => await server.ReceiveAsync(_ct));
        Assert.StartsWith("connection closed inside a 116-byte frame after 56 bytes", cut.Message, StringComparison.Ordinal);
        Assert.False(server.IsOpen);
    }

    [Fact(Timeout = Net.TestTimeoutMs)]
    public async Task A_length_prefix_claiming_4_GiB_after_the_handshake_is_refused_and_closes_the_channel()
    {
        PeerProtocolException ex = await TamperAndReceiveAsync((i, frame) => i == TamperingProxy.HandshakeFrames ? [0xFF, 0xFF, 0xFF, 0xFF] : frame, "payload");
        Assert.StartsWith("frame of 4294967295 bytes exceeds the 33554432-byte limit", ex.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = Net.TestTimeoutMs)]
    public async Task The_frame_limit_refuses_oversized_sends_locally_and_oversized_frames_remotely()
    {
        SecureTransport server = Net.Transport(_serverKey, maxFrameBytes: 1024);
        await using SecureListener listener = server.Listen(Net.AnyLoopbackPort);
        Task<SecureChannel> accepted = listener.AcceptAsync(_ct).AsTask();
        await using SecureChannel small = await Net.Transport(_clientKey, maxFrameBytes: 1024).ConnectAsync(listener.LocalEndPoint, null, _ct);
        await using SecureChannel serverSide = await accepted;

        // A caller's mistake, not the peer's: refused before sealing, and the channel stays open.
        Assert.Equal(1008, small.MaxPayloadBytes);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await small.SendAsync(new byte[1009], _ct));
        Assert.True(small.IsOpen);
        await small.SendAsync(new byte[1008], _ct);
        Assert.Equal(1008, (await ReceiveBytesAsync(serverSide)).Length);

        // A peer allowed bigger frames than we accept is cut off at the header.
        accepted = listener.AcceptAsync(_ct).AsTask();
        await using SecureChannel big = await Net.Transport(_clientKey).ConnectAsync(listener.LocalEndPoint, null, _ct);
        await using SecureChannel serverSide2 = await accepted;
        await big.SendAsync(new byte[2000], _ct);
        PeerProtocolException ex = await Assert.ThrowsAsync<PeerProtocolException>(async () => await serverSide2.ReceiveAsync(_ct));
        Assert.StartsWith("frame of 2016 bytes exceeds the 1024-byte limit", ex.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = Net.TestTimeoutMs)]
    public async Task One_receiver_at_a_time_and_a_cancelled_wait_between_frames_leaves_the_channel_usable()
    {
        await using Connected pair = await ConnectPairAsync();
        (SecureChannel client, SecureChannel server) = pair;
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(_ct);
        ValueTask<IMemoryOwner<byte>?> pending = server.ReceiveAsync(wait.Token);
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await server.ReceiveAsync(_ct));
        await wait.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await pending);

        Assert.True(server.IsOpen);
        await client.SendAsync(new byte[] { 9 }, _ct);
        Assert.Equal([9], await ReceiveBytesAsync(server));
    }

    private static async Task<byte[]> ReceiveBytesAsync(SecureChannel channel)
    {
        using IMemoryOwner<byte>? payload = await channel.ReceiveAsync(Net.Deadline());
        Assert.NotNull(payload);
        return payload.Memory.ToArray();
    }

    private Task<Connected> ConnectPairAsync() => ConnectAsync(rewrite: null);

    private Task<Connected> ThroughProxyAsync(Func<int, byte[], byte[]> rewrite) => ConnectAsync(rewrite);

    /// <summary>A client dialing a fresh listener, straight or through a tampering proxy, and the server side it reached.</summary>
    private async Task<Connected> ConnectAsync(Func<int, byte[], byte[]>? rewrite)
    {
        SecureListener listener = Net.Transport(_serverKey).Listen(Net.AnyLoopbackPort);
        TamperingProxy? proxy = rewrite is null ? null : new TamperingProxy(listener.LocalEndPoint, rewrite);
        Task<SecureChannel> accepted = listener.AcceptAsync(_ct).AsTask();
        SecureChannel client = await Net.Transport(_clientKey).ConnectAsync(proxy?.EndPoint ?? listener.LocalEndPoint, _serverKey.PublicKey, _ct);
        return new Connected(client, await accepted, proxy, listener);
    }

    /// <summary>Sends the payloads through a rewriting proxy; the receiver's first read must fail, and leave the channel closed.</summary>
    private async Task<PeerProtocolException> TamperAndReceiveAsync(Func<int, byte[], byte[]> rewrite, params string[] payloads)
    {
        await using Connected pair = await ThroughProxyAsync(rewrite);
        (SecureChannel client, SecureChannel server) = pair;
        foreach (string payload in payloads)
        {
            await client.SendAsync(System.Text.Encoding.UTF8.GetBytes(payload), _ct);
        }

        PeerProtocolException ex = await Assert.ThrowsAsync<PeerProtocolException>(async () => await server.ReceiveAsync(_ct));
        Assert.False(server.IsOpen);
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await server.ReceiveAsync(_ct));
        return ex;
    }

    /// <summary>Both ends of one channel and what carries it; disposing closes all of it, channels first.</summary>
    private sealed class Connected(SecureChannel client, SecureChannel server, TamperingProxy? proxy, SecureListener listener) : IAsyncDisposable
    {
        public void Deconstruct(out SecureChannel clientEnd, out SecureChannel serverEnd) => (clientEnd, serverEnd) = (client, server);

        public async ValueTask DisposeAsync()
        {
            await server.DisposeAsync();
            await client.DisposeAsync();
            if (proxy is not null)
            {
                await proxy.DisposeAsync();
            }

            await listener.DisposeAsync();
        }
    }
}
