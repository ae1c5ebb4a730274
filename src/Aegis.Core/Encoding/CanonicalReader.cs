using System.Buffers.Binary;
using Aegis.Core.Crypto;

namespace Aegis.Core.Encoding;

/// <summary>
/// Reads <see cref="CanonicalWriter"/> output. Every read names its field so that a bad frame, sync chunk or
/// backup file is rejected with a message saying what was wrong; every length is checked against both the
/// caller's bound and the bytes actually left before anything is allocated.
/// </summary>
public ref struct CanonicalReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _position;

    public CanonicalReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _position = 0;
    }

    public readonly int Remaining => _data.Length - _position;

    public readonly int Position => _position;

    private ReadOnlySpan<byte> Take(int count, string field)
    {
        if (count < 0 || count > Remaining)
        {
            throw new CodecException($"{field}: needs {count} bytes but only {Remaining} remain");
        }

        ReadOnlySpan<byte> slice = _data.Slice(_position, count);
        _position += count;
        return slice;
    }

    public byte ReadU8(string field) => Take(1, field)[0];

    /// <summary>A format's version byte, which must be <paramref name="expected"/> (the one version this code reads).</summary>
    /// <exception cref="CodecException">naming <paramref name="field"/>, the expected and the read version.</exception>
    public void ReadVersion(byte expected, string field)
    {
        byte version = ReadU8(field);
        if (version != expected)
        {
            throw new CodecException($"{field}: expected {expected}, got {version}");
        }
    }

    public bool ReadBool(string field)
    {
        byte b = ReadU8(field);
        return b switch
        {
            0 => false,
            1 => true,
            _ => throw new CodecException($"{field}: a boolean is 0 or 1, got {b}"),
        };
    }

    public ushort ReadU16(string field) => BinaryPrimitives.ReadUInt16BigEndian(Take(2, field));

    public uint ReadU32(string field) => BinaryPrimitives.ReadUInt32BigEndian(Take(4, field));

    public ulong ReadU64(string field) => BinaryPrimitives.ReadUInt64BigEndian(Take(8, field));

    public long ReadI64(string field) => BinaryPrimitives.ReadInt64BigEndian(Take(8, field));

    public Hash32 ReadHash(string field) => new(Take(Hash32.Size, field));

    public ReadOnlySpan<byte> ReadFixed(int count, string field) => Take(count, field);

    public ReadOnlySpan<byte> ReadBytes8(string field, int max = byte.MaxValue) => ReadBounded(ReadU8(field), max, field);

    public ReadOnlySpan<byte> ReadBytes16(string field, int max = ushort.MaxValue) => ReadBounded(ReadU16(field), max, field);

    public ReadOnlySpan<byte> ReadBytes32(string field, int max) => ReadBounded(ReadU32(field), max, field);

    public string ReadString8(string field, int max = byte.MaxValue)
    {
        ReadOnlySpan<byte> bytes = ReadBytes8(field, max);
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (System.Text.DecoderFallbackException ex)
        {
            throw new CodecException($"{field}: not valid UTF-8", ex);
        }
    }

    /// <summary>Reads a count of items and checks it against the caller's bound before any list is allocated.</summary>
    public int ReadCount(string field, int max)
    {
        uint count = ReadU32(field);
        if (count > (uint)max)
        {
            throw new CodecException($"{field}: count {count} exceeds the limit of {max}");
        }

        return (int)count;
    }

    /// <summary>Canonical encodings have exactly one form, so anything after the value is an error, never ignored.</summary>
    public readonly void EnsureEnd(string what)
    {
        if (Remaining != 0)
        {
            throw new CodecException($"{what}: {Remaining} trailing bytes after the end of the value");
        }
    }

    private ReadOnlySpan<byte> ReadBounded(uint length, int max, string field)
    {
        if (length > (uint)max)
        {
            throw new CodecException($"{field}: length {length} exceeds the limit of {max} bytes");
        }

        return Take((int)length, field);
    }

    private static readonly System.Text.UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
}
