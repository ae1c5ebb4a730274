using System.Buffers;
using System.Buffers.Binary;
using Aegis.Core.Crypto;

namespace Aegis.Core.Encoding;

/// <summary>
/// The one encoding for everything that is hashed, signed, stored or sent: fixed-width big-endian integers and
/// length-prefixed byte strings, fields in declaration order, no optional fields, no padding. Two equal values
/// always encode to the same bytes.
/// </summary>
public sealed class CanonicalWriter
{
    private readonly ArrayBufferWriter<byte> _buffer;

    public CanonicalWriter(int initialCapacity = 256) => _buffer = new ArrayBufferWriter<byte>(Math.Max(16, initialCapacity));

    public int Length => _buffer.WrittenCount;

    public ReadOnlySpan<byte> WrittenSpan => _buffer.WrittenSpan;

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.WrittenMemory;

    public byte[] ToArray() => _buffer.WrittenSpan.ToArray();

    public void Clear() => _buffer.Clear();

    public void WriteU8(byte value)
    {
        _buffer.GetSpan(1)[0] = value;
        _buffer.Advance(1);
    }

    public void WriteBool(bool value) => WriteU8(value ? (byte)1 : (byte)0);

    public void WriteU16(ushort value)
    {
        BinaryPrimitives.WriteUInt16BigEndian(_buffer.GetSpan(2), value);
        _buffer.Advance(2);
    }

    public void WriteU32(uint value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(_buffer.GetSpan(4), value);
        _buffer.Advance(4);
    }

    public void WriteU64(ulong value)
    {
        BinaryPrimitives.WriteUInt64BigEndian(_buffer.GetSpan(8), value);
        _buffer.Advance(8);
    }

    public void WriteI64(long value)
    {
        BinaryPrimitives.WriteInt64BigEndian(_buffer.GetSpan(8), value);
        _buffer.Advance(8);
    }

    public void WriteHash(Hash32 hash)
    {
        hash.CopyTo(_buffer.GetSpan(Hash32.Size));
        _buffer.Advance(Hash32.Size);
    }

    /// <summary>Raw bytes with no length prefix; only for fields whose size the reader knows (signatures).</summary>
    public void WriteFixed(ReadOnlySpan<byte> bytes) => _buffer.Write(bytes);

    /// <summary>A byte string of at most 255 bytes with a one-byte length.</summary>
    public void WriteBytes8(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > byte.MaxValue)
        {
            throw new CodecException($"field of {bytes.Length} bytes exceeds the 255-byte limit of its one-byte length");
        }

        WriteU8((byte)bytes.Length);
        _buffer.Write(bytes);
    }

    /// <summary>A byte string of at most 65535 bytes with a two-byte length.</summary>
    public void WriteBytes16(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > ushort.MaxValue)
        {
            throw new CodecException($"field of {bytes.Length} bytes exceeds the 65535-byte limit of its two-byte length");
        }

        WriteU16((ushort)bytes.Length);
        _buffer.Write(bytes);
    }

    /// <summary>A byte string with a four-byte length.</summary>
    public void WriteBytes32(ReadOnlySpan<byte> bytes)
    {
        WriteU32((uint)bytes.Length);
        _buffer.Write(bytes);
    }

    public void WriteString8(string value) => WriteBytes8(System.Text.Encoding.UTF8.GetBytes(value));
}
