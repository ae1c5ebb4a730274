using System.Buffers;

namespace Aegis.Network;

/// <summary>
/// A received payload in an array rented from the shared pool. Disposing returns the array, so the owner must not
/// keep the memory afterwards; disposing twice is harmless.
/// </summary>
internal sealed class PooledBuffer : IMemoryOwner<byte>
{
    private byte[]? _array;
    private int _length;

    private PooledBuffer(byte[] array, int length)
    {
        _array = array;
        _length = length;
    }

    public static PooledBuffer Rent(int length) => new(length == 0 ? [] : ArrayPool<byte>.Shared.Rent(length), length);

    public int Length => _length;

    public Memory<byte> Memory => Array.AsMemory(0, _length);

    public Span<byte> Span => Array.AsSpan(0, _length);

    private byte[] Array => _array ?? throw new ObjectDisposedException(nameof(PooledBuffer));

    /// <summary>Shortens the visible payload, e.g. once the tag has been stripped after decrypting in place.</summary>
    public void Shrink(int length)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, _length);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        _length = length;
    }

    public void Dispose()
    {
        byte[]? array = Interlocked.Exchange(ref _array, null);
        if (array is { Length: > 0 })
        {
            ArrayPool<byte>.Shared.Return(array);
        }
    }
}
