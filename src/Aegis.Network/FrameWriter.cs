using System.Buffers;
using System.Buffers.Binary;

namespace Aegis.Network;

/// <summary>Writes one frame (header and body) with a single write from a pooled buffer, so a frame is one segment on the wire.</summary>
internal static class FrameWriter
{
    /// <summary>A plaintext frame: only HELLO, before any key exists.</summary>
    public static async ValueTask<int> WritePlainAsync(Stream stream, ReadOnlyMemory<byte> body, CancellationToken ct)
    {
        int total = FrameReader.HeaderSize + body.Length;
        byte[] frame = ArrayPool<byte>.Shared.Rent(total);
        try
        {
            BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)body.Length);
            body.Span.CopyTo(frame.AsSpan(FrameReader.HeaderSize));
            await stream.WriteAsync(frame.AsMemory(0, total), ct);
            return total;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(frame);
        }
    }

    /// <summary>Seals <paramref name="payload"/> straight into the outgoing buffer; returns the bytes put on the wire.</summary>
    public static async ValueTask<int> WriteSealedAsync(Stream stream, SessionCipher cipher, ReadOnlyMemory<byte> payload, CancellationToken ct)
    {
        int sealedLength = payload.Length + SessionCipher.TagSize;
        int total = FrameReader.HeaderSize + sealedLength;
        byte[] frame = ArrayPool<byte>.Shared.Rent(total);
        try
        {
            BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)sealedLength);
            cipher.Seal(payload.Span, frame.AsSpan(FrameReader.HeaderSize, sealedLength));
            await stream.WriteAsync(frame.AsMemory(0, total), ct);
            return total;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(frame);
        }
    }
}
