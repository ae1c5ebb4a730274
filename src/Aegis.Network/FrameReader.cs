using System.Buffers;
using System.Buffers.Binary;

namespace Aegis.Network;

/// <summary>
/// Reads u32 big-endian length-prefixed frames. One pooled read-ahead buffer serves many small frames per socket read;
/// a large body is read straight into its own pooled array. The claimed length is checked against the cap before
/// anything is rented for it, so a peer claiming 4 GiB costs nothing. One reader at a time (the owner enforces it).
/// </summary>
internal sealed class FrameReader : IDisposable
{
    public const int HeaderSize = 4;
    private const int ReadAheadBytes = 64 * 1024;

    private readonly Stream _stream;
    private byte[]? _buffer = ArrayPool<byte>.Shared.Rent(ReadAheadBytes);
    private int _start;
    private int _end;

    public FrameReader(Stream stream) => _stream = stream;

    /// <summary>True between consuming a frame's header and returning its body: a cancellation there leaves the stream unusable.</summary>
    public bool InsideFrame { get; private set; }

    private int Buffered => _end - _start;

    /// <summary>Reads the next frame body; null on a clean end of stream between frames.</summary>
    public async ValueTask<PooledBuffer?> ReadAsync(int maxFrameBytes, CancellationToken ct)
    {
        byte[] buffer = _buffer ?? throw new ObjectDisposedException(nameof(FrameReader));
        if (!await FillAsync(buffer, HeaderSize, ct))
        {
            return Buffered == 0 ? null : throw new PeerProtocolException($"connection closed inside a frame header ({Buffered} of {HeaderSize} bytes)");
        }

        uint length = BinaryPrimitives.ReadUInt32BigEndian(buffer.AsSpan(_start, HeaderSize));
        if (length > (uint)maxFrameBytes)
        {
            throw new PeerProtocolException($"frame of {length} bytes exceeds the {maxFrameBytes}-byte limit");
        }

        _start += HeaderSize;
        InsideFrame = true;
        var frame = PooledBuffer.Rent((int)length);
        try
        {
            int filled = Take(buffer, frame.Span);
            int remaining = frame.Length - filled;
            if (remaining > 0 && remaining <= buffer.Length)
            {
                // Small remainders go through the read-ahead buffer so the next frames arrive with the same read.
                if (!await FillAsync(buffer, remaining, ct))
                {
                    throw Truncated(frame.Length, filled + Buffered);
                }

                filled += Take(buffer, frame.Span[filled..]);
            }

            while (filled < frame.Length)
            {
                int n = await _stream.ReadAsync(frame.Memory[filled..], ct);
                if (n == 0)
                {
                    throw Truncated(frame.Length, filled);
                }

                filled += n;
            }

            InsideFrame = false;
            return frame;
        }
        catch
        {
            frame.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        byte[]? buffer = Interlocked.Exchange(ref _buffer, null);
        if (buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static PeerProtocolException Truncated(int length, int got) =>
        new($"connection closed inside a {length}-byte frame after {got} bytes");

    /// <summary>Ensures at least <paramref name="count"/> bytes are buffered; false if the stream ends first.</summary>
    private async ValueTask<bool> FillAsync(byte[] buffer, int count, CancellationToken ct)
    {
        if (Buffered >= count)
        {
            return true;
        }

        if (_start + count > buffer.Length)
        {
            buffer.AsSpan(_start, Buffered).CopyTo(buffer);
            _end = Buffered;
            _start = 0;
        }

        while (Buffered < count)
        {
            int n = await _stream.ReadAsync(buffer.AsMemory(_end), ct);
            if (n == 0)
            {
                return false;
            }

            _end += n;
        }

        return true;
    }

    private int Take(byte[] buffer, Span<byte> destination)
    {
        int n = Math.Min(Buffered, destination.Length);
        buffer.AsSpan(_start, n).CopyTo(destination);
        _start += n;
        return n;
    }
}
