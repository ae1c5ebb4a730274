using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Aegis.Network.Tests.Support;

/// <summary>
/// A one-connection TCP relay on 127.0.0.1 between a dialer and a listener. Client-to-server traffic is all frames
/// (HELLO, AUTH, READY, then payloads), so the proxy reads it frame by frame and lets a test rewrite frame number N
/// deterministically, whatever the TCP segmentation. Server-to-client bytes pass unchanged.
/// </summary>
internal sealed class TamperingProxy : IAsyncDisposable
{
    /// <summary>Client-to-server frames before the first payload: HELLO, AUTH, READY.</summary>
    public const int HandshakeFrames = 3;

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _target;
    private readonly Func<int, byte[], byte[]> _rewrite;
    private readonly CancellationTokenSource _stop = new(TimeSpan.FromSeconds(25));
    private readonly Task _relay;

    /// <param name="rewrite">Given a frame's index and its bytes (header included), returns the bytes to forward.</param>
    public TamperingProxy(IPEndPoint target, Func<int, byte[], byte[]> rewrite)
    {
        _target = target;
        _rewrite = rewrite;
        _listener.Start();
        _relay = Task.Run(RelayAsync);
    }

    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndpoint;

    public static byte[] FlipOneBit(byte[] frame, int offset)
    {
        byte[] copy = (byte[])frame.Clone();
        copy[offset] ^= 0x01;
        return copy;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        _listener.Dispose();
        await _relay.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }

    private async Task RelayAsync()
    {
        CancellationToken ct = _stop.Token;
        using TcpClient client = await _listener.AcceptTcpClientAsync(ct);
        using var server = new TcpClient { NoDelay = true };
        await server.ConnectAsync(_target, ct);
        NetworkStream fromClient = client.GetStream();
        NetworkStream toServer = server.GetStream();
        Task down = server.GetStream().CopyToAsync(client.GetStream(), ct);
        try
        {
            for (int index = 0; ; index++)
            {
                byte[] header = new byte[4];
                if (!await ReadExactlyOrEndAsync(fromClient, header, ct))
                {
                    break;
                }

                byte[] frame = new byte[4 + BinaryPrimitives.ReadInt32BigEndian(header)];
                header.CopyTo(frame, 0);
                if (!await ReadExactlyOrEndAsync(fromClient, frame.AsMemory(4), ct))
                {
                    break;
                }

                await toServer.WriteAsync(_rewrite(index, frame), ct);
            }

            server.Client.Shutdown(SocketShutdown.Send);
            await down;
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // One side went away: the relay is done.
        }
    }

    private static async Task<bool> ReadExactlyOrEndAsync(Stream stream, Memory<byte> buffer, CancellationToken ct)
    {
        try
        {
            await stream.ReadExactlyAsync(buffer, ct);
            return true;
        }
        catch (EndOfStreamException)
        {
            return false;
        }
    }
}
