using System.Net;
using System.Net.Sockets;
using Aegis.Core.Crypto;

namespace Aegis.Network;

/// <summary>An authenticated, encrypted, framed connection to one peer. Sends are serialized; one reader at a time.</summary>
public sealed class SecureChannel : IAsyncDisposable
{
    private readonly TcpClient _client;
    private readonly Stream _stream;
    private readonly SessionCipher _send;
    private readonly SessionCipher _receive;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly int _maxFrameBytes;
    private long _bytesSent;
    private long _bytesReceived;
    private int _disposed;

    internal SecureChannel(TcpClient client, Stream stream, Handshake.Result session, int maxFrameBytes)
    {
        _client = client;
        _stream = stream;
        _send = session.Send;
        _receive = session.Receive;
        _maxFrameBytes = maxFrameBytes;
        RemoteIdentity = session.RemoteIdentity;
        Role = session.Role;
        RemoteEndPoint = client.Client.RemoteEndPoint as IPEndPoint ?? new IPEndPoint(IPAddress.None, 0);
    }

    public PublicKey RemoteIdentity { get; }

    public PeerRole Role { get; }

    public IPEndPoint RemoteEndPoint { get; }

    public long BytesSent => Interlocked.Read(ref _bytesSent);

    public long BytesReceived => Interlocked.Read(ref _bytesReceived);

    public async ValueTask SendAsync(ReadOnlyMemory<byte> payload, CancellationToken ct)
    {
        if (payload.Length > _maxFrameBytes - SessionCipher.TagSize)
        {
            throw new PeerProtocolException($"payload of {payload.Length} bytes exceeds the {_maxFrameBytes}-byte frame limit");
        }

        await _sendLock.WaitAsync(ct);
        try
        {
            byte[] sealedFrame = _send.Seal(payload.Span);
            await FrameIO.WriteAsync(_stream, sealedFrame, ct);
            Interlocked.Add(ref _bytesSent, sealedFrame.Length + 4);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>The next payload, or null when the peer closed the connection cleanly.</summary>
    public async ValueTask<byte[]?> ReceiveAsync(CancellationToken ct)
    {
        byte[]? frame = await FrameIO.ReadAsync(_stream, _maxFrameBytes, ct);
        if (frame is null)
        {
            return null;
        }

        Interlocked.Add(ref _bytesReceived, frame.Length + 4);
        return _receive.Open(frame);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stream.DisposeAsync();
        _client.Dispose();
        _send.Dispose();
        _receive.Dispose();
        _sendLock.Dispose();
    }
}
