using Aegis.Content.Cids;

namespace Aegis.Content.DagPb;

/// <summary>
/// The dag-pb block format (ipld/specs block-layer/codecs/dag-pb.md): PBNode { repeated PBLink Links = 2; bytes Data = 1; }
/// with Links written before Data, PBLink { bytes Hash = 1; string Name = 2; uint64 Tsize = 3; } in field order. Kubo
/// writes Name and Tsize on every link, also when the name is empty, so the CIDs here do the same.
/// </summary>
public sealed class PbNode
{
    /// <summary>Kubo refuses blocks over 2 MiB on the wire (bitswap's limit); so does this decoder.</summary>
    public const int MaxBlockBytes = 2 * 1024 * 1024;

    public PbNode(IReadOnlyList<PbLink> links, byte[]? data)
    {
        Links = links;
        Data = data;
    }

    public IReadOnlyList<PbLink> Links { get; }

    /// <summary>The Data field, or null when absent (an absent field and an empty one are different blocks).</summary>
    public byte[]? Data { get; }

    public byte[] Encode()
    {
        int size = 0;
        foreach (PbLink link in Links)
        {
            size += ProtoWriter.BytesFieldSize(2, LinkSize(link));
        }

        if (Data is not null)
        {
            size += ProtoWriter.BytesFieldSize(1, Data.Length);
        }

        var w = new ProtoWriter(size);
        foreach (PbLink link in Links)
        {
            byte[] name = System.Text.Encoding.UTF8.GetBytes(link.Name);
            w.WriteBytesHeader(2, LinkSize(link));
            w.WriteBytesField(1, link.Target.Bytes);
            w.WriteBytesField(2, name);
            w.WriteVarintField(3, link.TotalSize);
        }

        if (Data is not null)
        {
            w.WriteBytesField(1, Data);
        }

        byte[] encoded = w.ToArray();
        if (encoded.Length != size)
        {
            throw new InvalidOperationException($"dag-pb size mismatch: computed {size}, wrote {encoded.Length}");
        }

        return encoded;
    }

    /// <exception cref="FormatException">not a dag-pb block (names the problem).</exception>
    public static PbNode Decode(ReadOnlySpan<byte> block)
    {
        if (block.Length > MaxBlockBytes)
        {
            throw new FormatException($"dag-pb: block of {block.Length} bytes exceeds {MaxBlockBytes}");
        }

        var reader = new ProtoReader(block);
        var links = new List<PbLink>();
        byte[]? data = null;
        while (!reader.End)
        {
            (int field, int wire) = reader.ReadTag();
            if (field == 2 && wire == 2)
            {
                if (data is not null)
                {
                    throw new FormatException("dag-pb: a link after the data field");
                }

                links.Add(DecodeLink(reader.ReadBytes("link")));
            }
            else if (field == 1 && wire == 2)
            {
                if (data is not null)
                {
                    throw new FormatException("dag-pb: two data fields");
                }

                data = reader.ReadBytes("data").ToArray();
            }
            else
            {
                throw new FormatException($"dag-pb: unexpected field {field} (wire type {wire})");
            }
        }

        return new PbNode(links, data);
    }

    private static PbLink DecodeLink(ReadOnlySpan<byte> bytes)
    {
        var reader = new ProtoReader(bytes);
        Cid? target = null;
        string name = "";
        ulong tsize = 0;
        while (!reader.End)
        {
            (int field, int wire) = reader.ReadTag();
            switch (field, wire)
            {
                case (1, 2):
                    if (!Cid.TryFromBytes(reader.ReadBytes("link hash"), out target, out string? problem))
                    {
                        throw new FormatException($"dag-pb: link hash: {problem}");
                    }

                    break;
                case (2, 2):
                    name = System.Text.Encoding.UTF8.GetString(reader.ReadBytes("link name"));
                    break;
                case (3, 0):
                    tsize = reader.ReadVarint("link tsize");
                    break;
                default:
                    throw new FormatException($"dag-pb: unexpected link field {field}");
            }
        }

        return target is null ? throw new FormatException("dag-pb: link without a hash") : new PbLink(target, name, tsize);
    }

    private static int LinkSize(PbLink link) =>
        ProtoWriter.BytesFieldSize(1, link.Target.Bytes.Length)
        + ProtoWriter.BytesFieldSize(2, System.Text.Encoding.UTF8.GetByteCount(link.Name))
        + ProtoWriter.VarintFieldSize(3, link.TotalSize);
}
