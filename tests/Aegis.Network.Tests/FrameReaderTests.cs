using System.Buffers.Binary;

namespace Aegis.Network.Tests;

/// <summary>Framing alone, over in-memory streams: the cap, truncation, and frames of every size through the read-ahead buffer.</summary>
public sealed class FrameReaderTests
{
    [Fact]
    public async Task A_claimed_4_GiB_frame_is_refused_by_its_header_without_allocating_it()
    {
        using var stream = new MemoryStream([0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3]);
        using var reader = new FrameReader(stream);

        // A MemoryStream completes synchronously, so the whole read runs on this thread and its allocations are ours.
        long before = GC.GetAllocatedBytesForCurrentThread();
        PeerProtocolException ex = await Assert.ThrowsAsync<PeerProtocolException>(async () => await reader.ReadAsync(SecureTransport.DefaultMaxFrameBytes, CancellationToken.None));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal("frame of 4294967295 bytes exceeds the 33554432-byte limit", ex.Message);
        Assert.True(allocated < 64 * 1024, $"refusing the frame allocated {allocated} bytes");
    }

    [Fact]
    public async Task Frames_of_every_size_come_back_whole_and_in_order_even_one_byte_per_read()
    {
        int[] sizes = [0, 1, 3, 4, 100, 65_535, 65_536, 70_000, 1 << 20, 5];
        byte[] wire = Frames(sizes);

        foreach (int chunk in new[] { int.MaxValue, 1, 7, 4096 })
        {
            using var stream = new ChunkedStream(wire, chunk);
            using var reader = new FrameReader(stream);
            for (int i = 0; i < sizes.Length; i++)
            {
                using PooledBuffer? frame = await reader.ReadAsync(2 << 20, CancellationToken.None);
                Assert.NotNull(frame);
                Assert.Equal(sizes[i], frame.Length);
                Assert.True(frame.Span.IndexOfAnyExcept((byte)i) < 0, $"frame {i} corrupted (chunk {chunk})");
            }

            Assert.Null(await reader.ReadAsync(2 << 20, CancellationToken.None));
        }
    }

    [Fact]
    public async Task A_stream_ending_inside_a_header_or_a_body_is_a_protocol_violation()
    {
        using var header = new FrameReader(new MemoryStream([0, 0]));
        Assert.Equal("connection closed inside a frame header (2 of 4 bytes)", (await Assert.ThrowsAsync<PeerProtocolException>(async () => await header.ReadAsync(100, CancellationToken.None))).Message);

        using var body = new FrameReader(new MemoryStream([0, 0, 0, 10, 1, 2, 3]));
        Assert.Equal("connection closed inside a 10-byte frame after 3 bytes", (await Assert.ThrowsAsync<PeerProtocolException>(async () => await body.ReadAsync(100, CancellationToken.None))).Message);

        using var large = new FrameReader(new MemoryStream(Frames([200_000])[..100_000]));
        Assert.Contains("inside a 200000-byte frame", (await Assert.ThrowsAsync<PeerProtocolException>(async () => await large.ReadAsync(1 << 20, CancellationToken.None))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_limit_is_inclusive()
    {
        using var reader = new FrameReader(new MemoryStream(Frames([64, 65])));
        using (PooledBuffer? atLimit = await reader.ReadAsync(64, CancellationToken.None))
        {
            Assert.Equal(64, atLimit!.Length);
        }

        Assert.Equal("frame of 65 bytes exceeds the 64-byte limit", (await Assert.ThrowsAsync<PeerProtocolException>(async () => await reader.ReadAsync(64, CancellationToken.None))).Message);
    }

    /// <summary>Frame i is <c>sizes[i]</c> bytes, each byte equal to i.</summary>
    private static byte[] Frames(int[] sizes)
    {
        using var wire = new MemoryStream();
        Span<byte> header = stackalloc byte[4];
        for (int i = 0; i < sizes.Length; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(header, sizes[i]);
            wire.Write(header);
            wire.Write(Enumerable.Repeat((byte)i, sizes[i]).ToArray());
        }

        return wire.ToArray();
    }

    /// <summary>Returns at most <c>chunk</c> bytes per read, like a slow socket.</summary>
    private sealed class ChunkedStream(byte[] data, int chunk) : MemoryStream(data)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, chunk));

        public override int Read(Span<byte> buffer) => base.Read(buffer[..Math.Min(buffer.Length, chunk)]);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, chunk)], cancellationToken);
    }
}
