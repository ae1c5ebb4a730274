using Aegis.Content.Cids;

namespace Aegis.Content.DagPb;

/// <summary>A bounded reader for the two protobuf messages this store decodes (dag-pb PBNode and UnixFS Data).</summary>
internal ref struct ProtoReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _position;

    public ProtoReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _position = 0;
    }

    public readonly bool End => _position >= _data.Length;

    /// <exception cref="FormatException">truncated or malformed.</exception>
    public (int Field, int WireType) ReadTag()
    {
        ulong tag = ReadVarint("tag");
        if (tag >> 3 is 0 or > int.MaxValue)
        {
            throw new FormatException("protobuf: field number 0 or too large");
        }

        return ((int)(tag >> 3), (int)(tag & 7));
    }

    public ulong ReadVarint(string field)
    {
        if (!Varint.TryRead(_data[_position..], out ulong value, out int n))
        {
            // Protobuf allows 10-byte varints; nothing here needs more than 63 bits, so longer ones are refused.
            throw new FormatException($"protobuf: malformed varint in {field}");
        }

        _position += n;
        return value;
    }

    public ReadOnlySpan<byte> ReadBytes(string field)
    {
        ulong length = ReadVarint(field);
        if (length > (ulong)(_data.Length - _position))
        {
            throw new FormatException($"protobuf: {field} length {length} runs past the end");
        }

        ReadOnlySpan<byte> bytes = _data.Slice(_position, (int)length);
        _position += (int)length;
        return bytes;
    }

    public void Skip(int wireType)
    {
        switch (wireType)
        {
            case 0:
                ReadVarint("unknown field");
                break;
            case 1:
                Advance(8);
                break;
            case 2:
                ReadBytes("unknown field");
                break;
            case 5:
                Advance(4);
                break;
            default:
                throw new FormatException($"protobuf: unsupported wire type {wireType}");
        }
    }

    private void Advance(int n)
    {
        if (n > _data.Length - _position)
        {
            throw new FormatException("protobuf: truncated fixed-size field");
        }

        _position += n;
    }
}
