using Aegis.Content.DagPb;

namespace Aegis.Content.UnixFs;

/// <summary>
/// The UnixFS Data message carried in a dag-pb node's Data field: Type = 1, Data = 2, filesize = 3, blocksizes = 4
/// (repeated, unpacked, as go-unixfs writes them). Kubo omits Data when it is empty and writes filesize on files.
/// </summary>
public sealed class UnixFsData
{
    public UnixFsData(UnixFsType type, byte[]? data = null, ulong? fileSize = null, IReadOnlyList<ulong>? blockSizes = null)
    {
        Type = type;
        Data = data;
        FileSize = fileSize;
        BlockSizes = blockSizes ?? [];
    }

    public UnixFsType Type { get; }

    public byte[]? Data { get; }

    public ulong? FileSize { get; }

    public IReadOnlyList<ulong> BlockSizes { get; }

    /// <summary>Bytes of file content this node stands for: filesize when present, else its own data.</summary>
    public ulong ContentSize => FileSize ?? (ulong)(Data?.Length ?? 0);

    public byte[] Encode()
    {
        int size = ProtoWriter.VarintFieldSize(1, (ulong)Type);
        if (Data is { Length: > 0 })
        {
            size += ProtoWriter.BytesFieldSize(2, Data.Length);
        }

        if (FileSize is ulong fs)
        {
            size += ProtoWriter.VarintFieldSize(3, fs);
        }

        foreach (ulong b in BlockSizes)
        {
            size += ProtoWriter.VarintFieldSize(4, b);
        }

        var w = new ProtoWriter(size);
        w.WriteVarintField(1, (ulong)Type);
        if (Data is { Length: > 0 })
        {
            w.WriteBytesField(2, Data);
        }

        if (FileSize is ulong fileSize)
        {
            w.WriteVarintField(3, fileSize);
        }

        foreach (ulong b in BlockSizes)
        {
            w.WriteVarintField(4, b);
        }

        return w.ToArray();
    }

    /// <exception cref="FormatException">not a UnixFS Data message.</exception>
    public static UnixFsData Decode(ReadOnlySpan<byte> bytes)
    {
        var reader = new ProtoReader(bytes);
        UnixFsType? type = null;
        byte[]? data = null;
        ulong? fileSize = null;
        var blockSizes = new List<ulong>();
        while (!reader.End)
        {
            (int field, int wire) = reader.ReadTag();
            switch (field, wire)
            {
                case (1, 0):
                    ulong t = reader.ReadVarint("unixfs type");
                    type = t <= (ulong)UnixFsType.HamtShard ? (UnixFsType)t : throw new FormatException($"unixfs: unknown type {t}");
                    break;
                case (2, 2):
                    data = reader.ReadBytes("unixfs data").ToArray();
                    break;
                case (3, 0):
                    fileSize = reader.ReadVarint("unixfs filesize");
                    break;
                case (4, 0):
                    blockSizes.Add(reader.ReadVarint("unixfs blocksizes"));
                    break;
                case (4, 2):
                    var packed = new ProtoReader(reader.ReadBytes("unixfs blocksizes"));
                    while (!packed.End)
                    {
                        blockSizes.Add(packed.ReadVarint("unixfs blocksizes"));
                    }

                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }

        return type is null ? throw new FormatException("unixfs: missing Type") : new UnixFsData(type.Value, data, fileSize, blockSizes);
    }
}
