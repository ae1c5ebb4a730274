using System.Buffers.Binary;

namespace Aegis.Network;

/// <summary>Length-prefixed frames (u32 big-endian) with a size cap checked before anything is allocated.</summary>
internal static class FrameIO
{
    public static async ValueTask WriteAsync(Stream stream, ReadOnlyMemory<byte> frame, CancellationToken ct)
    {
        byte[] header = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(header, (uint)frame.Length);
        await stream.WriteAsync(header, ct);
        await stream.WriteAsync(frame, ct);
    }

    /// <summary>Reads one frame; null at a clean end of stream before a frame starts.</summary>
    public static async ValueTask<byte[]?> ReadAsync(Stream stream, int maxFrameBytes, CancellationToken ct)
    {
        byte[] header = new byte[4];
        int got = await ReadAtLeastAsync(stream, header, ct);
        if (got == 0)
        {
            return null;
        }

        if (got < 4)
        {
            throw new PeerProtocolException("connection closed inside a frame header");
        }

        uint length = BinaryPrimitives.ReadUInt32BigEndian(header);
        if (length > (uint)maxFrameBytes)
        {
            throw new PeerProtocolException($"frame of {length} bytes exceeds the {maxFrameBytes}-byte limit");
        }

        byte[] frame = new byte[length];
        if (await ReadAtLeastAsync(stream, frame, ct) < frame.Length)
        {
            throw new PeerProtocolException($"connection closed inside a {length}-byte frame");
        }

        return frame;
    }

    private static async ValueTask<int> ReadAtLeastAsync(Stream stream, Memory<byte> buffer, CancellationToken ct)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = await stream.ReadAsync(buffer[total..], ct);
            if (n == 0)
            {
                break;
            }

            total += n;
        }

        return total;
    }
}
