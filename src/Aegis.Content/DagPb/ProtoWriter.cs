using System.Buffers;
using Aegis.Content.Cids;

namespace Aegis.Content.DagPb;

/// <summary>Writes protobuf fields in the order the caller gives: dag-pb fixes links before data, which generic serializers do not.</summary>
internal sealed class ProtoWriter(int capacity)
{
    private readonly ArrayBufferWriter<byte> _buffer = new(Math.Max(16, capacity));

    public ReadOnlySpan<byte> WrittenSpan => _buffer.WrittenSpan;

    public byte[] ToArray() => _buffer.WrittenSpan.ToArray();

    public static int VarintFieldSize(int field, ulong value) => Varint.Size((ulong)field << 3) + Varint.Size(value);

    public static int BytesFieldSize(int field, int length) => Varint.Size((ulong)field << 3) + Varint.Size((ulong)length) + length;

    public void WriteVarintField(int field, ulong value)
    {
        WriteVarint((ulong)field << 3);
        WriteVarint(value);
    }

    public void WriteBytesField(int field, ReadOnlySpan<byte> value)
    {
        WriteVarint(((ulong)field << 3) | 2);
        WriteVarint((ulong)value.Length);
        _buffer.Write(value);
    }

    public void WriteBytesHeader(int field, int length)
    {
        WriteVarint(((ulong)field << 3) | 2);
        WriteVarint((ulong)length);
    }

    public void WriteRaw(ReadOnlySpan<byte> value) => _buffer.Write(value);

    private void WriteVarint(ulong value)
    {
        Span<byte> span = _buffer.GetSpan(Varint.MaxBytes + 1);
        _buffer.Advance(Varint.Write(span, value));
    }
}
