using System.Buffers;
using System.Buffers.Binary;

namespace Aegis.Network;

/// <summary>Writes one frame (header and body) with a single write from a pooled buffer, so a frame is one segment on the wire.</summary>
internal static class FrameWriter
{
    /// <summary>A plaintext frame: only HELLO, before any key exists.</summary>
    public static ValueTask<int> WritePlainAsync(Stream stream, ReadOnlyMemory<byte> body, CancellationToken ct) =>
        WriteAsync(stream, body.Length, body, static (destination, body) => body.Span.CopyTo(destination), ct);

    /// <summary>Seals <paramref name="payload"/> straight into the outgoing buffer; returns the bytes put on the wire.</summary>
    public static ValueTask<int> WriteSealedAsync(Stream stream, SessionCipher cipher, ReadOnlyMemory<byte> payload, CancellationToken ct) =>
        WriteAsync(stream, payload.Length + SessionCipher.TagSize, (cipher, payload), static (destination, s) => s.cipher.Seal(s.payload.Span, destination), ct);

    /// <summary>Rents header + body, lets <paramref name="fillBody"/> write the body in place, and sends it in one write.</summary>
    private static async ValueTask<int> WriteAsync<TState>(Stream stream, int bodyLength, TState state, SpanAction<byte, TState> fillBody, CancellationToken ct)
    {
        int total = FrameReader.HeaderSize + bodyLength;
        byte[] frame = ArrayPool<byte>.Shared.Rent(total);
        try
        {
            BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)bodyLength);
            fillBody(frame.AsSpan(FrameReader.HeaderSize, bodyLength), state);
            await stream.WriteAsync(frame.AsMemory(0, total), ct);
            return total;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(frame);
        }
    }
}
