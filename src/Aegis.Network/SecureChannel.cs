using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Aegis.Core.Crypto;
using Microsoft.Extensions.Logging;

namespace Aegis.Network;

/// <summary>
/// An authenticated, encrypted, framed connection to one peer, open once the handshake is done. Any number of tasks
/// may send (writes are serialized, so nonces go on the wire in order); one task receives. Any protocol violation,
/// failed send or mid-frame cancellation closes the channel, because the two nonce counters can no longer agree.
/// </summary>
public sealed class SecureChannel : IAsyncDisposable
{
    private const int Idle = 0;
    private const int Receiving = 1;
    private const int Closed = 2;

    private readonly NetworkStream _stream;
    private readonly FrameReader _reader;
    private readonly SessionCipher _send;
    private readonly SessionCipher _receive;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly int _maxFrameBytes;
    private readonly ILogger _logger;
    private long _bytesSent;
    private long _bytesReceived;
    private int _receiveState;
    private volatile string? _closeReason;
    private IDisposable? _handshakeLease;
    private IDisposable? _connectionLease;

    /// <param name="stream">Owns the socket, so disposing it closes the connection.</param>
    internal SecureChannel(NetworkStream stream, FrameReader reader, HandshakeResult session, IPEndPoint remote, int maxFrameBytes, ILogger logger)
    {
        _stream = stream;
        _reader = reader;
        _send = session.Send;
        _receive = session.Receive;
        _maxFrameBytes = maxFrameBytes;
        _logger = logger;
        RemoteIdentity = session.RemoteIdentity;
        Role = session.Role;
        RemoteEndPoint = remote;
        _handshakeLease = session.Lease;
    }

    /// <summary>The identity key the peer proved in the handshake.</summary>
    public PublicKey RemoteIdentity { get; }

    public PeerRole Role { get; }

    public IPEndPoint RemoteEndPoint { get; }

    /// <summary>Bytes this channel put on the wire after the handshake, frame headers and tags included.</summary>
    public long BytesSent => Interlocked.Read(ref _bytesSent);

    /// <summary>Bytes this channel read off the wire after the handshake, frame headers and tags included.</summary>
    public long BytesReceived => Interlocked.Read(ref _bytesReceived);

    /// <summary>The largest payload one <see cref="SendAsync"/> accepts: the frame limit less the tag.</summary>
    public int MaxPayloadBytes => _maxFrameBytes - SessionCipher.TagSize;

    public bool IsOpen => _closeReason is null;

    /// <summary>Hands the channel the listener's per-address slot, released when the channel closes (at once if it already has).</summary>
    internal void HoldConnectionSlot(IDisposable slot)
    {
        Volatile.Write(ref _connectionLease, slot);
        if (!IsOpen)
        {
            Interlocked.Exchange(ref _connectionLease, null)?.Dispose();
        }
    }

    /// <summary>
    /// Seals and sends one payload. Safe to call from many tasks at once. Cancelling while waiting for another
    /// sender is harmless; cancelling or failing once this frame's write has begun closes the channel.
    /// </summary>
    public async ValueTask SendAsync(ReadOnlyMemory<byte> payload, CancellationToken ct)
    {
        if (payload.Length > MaxPayloadBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(payload), payload.Length, $"a payload of {payload.Length} bytes exceeds the {MaxPayloadBytes}-byte limit of one frame");
        }

        ThrowIfClosed();
        await _sendLock.WaitAsync(ct);
        try
        {
            ThrowIfClosed();
            int written = await FrameWriter.WriteSealedAsync(_stream, _send, payload, ct);
            Interlocked.Add(ref _bytesSent, written);
        }
        catch (Exception ex) when (ex is not ObjectDisposedException)
        {
            // A frame that was sealed but not fully written leaves the peer's counter behind ours: nothing after it could open.
            Close($"send failed: {ex.Message}");
            throw;
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>
    /// The next payload, in a pooled buffer the caller must dispose; null when the peer closed cleanly between frames.
    /// Throws <see cref="PeerProtocolException"/> (and closes the channel) for an oversized, truncated or unauthentic
    /// frame. One receiver at a time.
    /// </summary>
    public async ValueTask<IMemoryOwner<byte>?> ReceiveAsync(CancellationToken ct)
    {
        switch (Interlocked.CompareExchange(ref _receiveState, Receiving, Idle))
        {
            case Receiving:
                throw new InvalidOperationException("another ReceiveAsync is already in progress on this channel; receive from one task");
            case Closed:
                ThrowIfClosed();
                break;
        }

        try
        {
            PooledBuffer? frame = await _reader.ReadAsync(_maxFrameBytes, ct);
            if (frame is null)
            {
                return null;
            }

            Interlocked.Add(ref _bytesReceived, FrameReader.HeaderSize + frame.Length);
            try
            {
                frame.Shrink(_receive.OpenInPlace(frame.Span));
                return frame;
            }
            catch
            {
                frame.Dispose();
                throw;
            }
        }
        catch (PeerProtocolException ex)
        {
            string reason = $"{ex.Message}; channel to {RemoteEndPoint} (peer {RemoteIdentity.Fingerprint.ToShortString()}) closed";
            Close(ex.Message);
            throw new PeerProtocolException(reason, ex);
        }
        catch (OperationCanceledException) when (_reader.InsideFrame)
        {
            Close("a receive was cancelled in the middle of a frame");
            throw;
        }
        catch (Exception ex) when (ex is IOException or SocketException)
        {
            Close($"receive failed: {ex.Message}");
            throw;
        }
        finally
        {
            // Whoever leaves the reader last returns its pooled buffer: this receive if the channel closed under it.
            if (Interlocked.CompareExchange(ref _receiveState, Idle, Receiving) == Closed)
            {
                _reader.Dispose();
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        Close("closed locally");
        return ValueTask.CompletedTask;
    }

    private void Close(string reason)
    {
        if (Interlocked.CompareExchange(ref _closeReason, reason, null) is not null)
        {
            return;
        }

        _logger.ChannelClosed(RemoteEndPoint, RemoteIdentity.Fingerprint.ToShortString(), reason);

        // Disposing the stream closes its socket, which fails any pending read or write at once; the ciphers' handles
        // are reference-counted, so disposing them while another thread is inside Seal or Open is safe.
        _stream.Dispose();
        _send.Dispose();
        _receive.Dispose();
        Interlocked.Exchange(ref _handshakeLease, null)?.Dispose();
        Interlocked.Exchange(ref _connectionLease, null)?.Dispose();
        if (Interlocked.Exchange(ref _receiveState, Closed) == Idle)
        {
            _reader.Dispose();
        }
    }

    private void ThrowIfClosed()
    {
        string? reason = _closeReason;
        if (reason is not null)
        {
            throw new ObjectDisposedException(nameof(SecureChannel), $"the channel to {RemoteEndPoint} is closed: {reason}");
        }
    }
}
