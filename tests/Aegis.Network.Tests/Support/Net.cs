using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Aegis.Core.Crypto;

namespace Aegis.Network.Tests.Support;

/// <summary>Shared helpers: loopback endpoints, a deadline per test, transports with test defaults.</summary>
internal static class Net
{
    public const int TestTimeoutMs = 30_000;

    public const string Chain = "aegis-test";

    public static IPEndPoint AnyLoopbackPort => new(IPAddress.Loopback, 0);

    /// <summary>Every await in a test is bounded by this, well inside the xunit timeout, so a hang fails instead of stalling CI.</summary>
    public static CancellationToken Deadline(int seconds = 20) => new CancellationTokenSource(TimeSpan.FromSeconds(seconds)).Token;

    public static SecureTransport Transport(ISigner identity, PeerAuthorizer? authorize = null, string chain = Chain, TimeSpan? handshakeTimeout = null, int maxFrameBytes = SecureTransport.DefaultMaxFrameBytes) =>
        new(chain, identity, authorize ?? (_ => PeerRole.Validator))
        {
            HandshakeTimeout = handshakeTimeout ?? TimeSpan.FromSeconds(5),
            MaxFrameBytes = maxFrameBytes,
        };

    /// <summary>The failures a transport raises, in order, for a test to await and assert on.</summary>
    public static ChannelReader<HandshakeException> RecordFailures(SecureTransport transport)
    {
        var failures = Channel.CreateUnbounded<HandshakeException>();
        transport.HandshakeFailed += (_, e) => failures.Writer.TryWrite(e.Error);
        return failures.Reader;
    }

    /// <summary>Polls a condition the listener updates on its own threads (a slot freed, a count taken), bounded by <paramref name="ct"/>.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, CancellationToken ct)
    {
        while (!condition())
        {
            await Task.Delay(20, ct);
        }
    }

    /// <summary>A raw TCP client that is not an AEGIS peer (or pretends to be one badly).</summary>
    public static async Task<TcpClient> RawConnectAsync(IPEndPoint endPoint, CancellationToken ct)
    {
        var client = new TcpClient(endPoint.AddressFamily) { NoDelay = true };
        await client.ConnectAsync(endPoint, ct);
        return client;
    }

    /// <summary>
    /// Connects from <paramref name="source"/> (default 127.0.0.1) and reports whether the node answers with its HELLO;
    /// false when the connection is reset or closed on arrival (the kernel may finish the TCP handshake first).
    /// </summary>
    public static async Task<bool> IsServedAsync(IPEndPoint endPoint, CancellationToken ct, IPAddress? source = null)
    {
        using var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(source ?? IPAddress.Loopback, 0));
            await socket.ConnectAsync(endPoint, ct);
            byte[] header = new byte[8];
            int read = 0;
            while (read < header.Length)
            {
                int n = await socket.ReceiveAsync(header.AsMemory(read), SocketFlags.None, ct);
                if (n == 0)
                {
                    return false;
                }

                read += n;
            }

            return header.AsSpan(4).SequenceEqual("AEGS"u8);
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>Builds a HELLO frame (header included) by hand, to impersonate a peer with other parameters.</summary>
    public static byte[] HelloFrame(ushort version = Handshake.ProtocolVersion, string chain = Chain, byte[]? ephemeralKey = null)
    {
        byte[] key = ephemeralKey ?? SessionKeys.EncodePublic(SessionKeys.CreateEphemeral());
        byte[] body = new HelloMessage(version, chain, key, new byte[HelloMessage.RandomSize]).Encode();
        byte[] frame = new byte[4 + body.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(frame, body.Length);
        body.CopyTo(frame, 4);
        return frame;
    }
}
