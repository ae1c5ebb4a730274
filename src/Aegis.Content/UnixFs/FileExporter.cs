using Aegis.Content.Cids;
using Aegis.Content.DagPb;

namespace Aegis.Content.UnixFs;

/// <summary>
/// Reads UnixFS files back: <c>cat</c> with offset and length walks only the chunks that overlap the range, using each
/// node's blocksizes; paths (<c>CID/dir/file</c>) resolve through directory links. Every block is checked against its
/// CID's hash before it is used, so a damaged or forged block is an error, never content.
/// </summary>
public sealed class FileExporter(IBlockSource source)
{
    /// <summary>Resolves <c>CID[/name/…]</c> (optionally prefixed with /ipfs/) to the CID it names.</summary>
    /// <exception cref="FormatException">not a CID path.</exception>
    /// <exception cref="ContentNotFoundException">a block or a name along the path is missing.</exception>
    public async Task<Cid> ResolveAsync(string path, CancellationToken ct)
    {
        string p = path.StartsWith("/ipfs/", StringComparison.Ordinal) ? path[6..] : path.TrimStart('/');
        string[] parts = p.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0)
        {
            throw new FormatException("path does not have enough components");
        }

        if (!Cid.TryParse(parts[0], out Cid? cid, out string? problem))
        {
            throw new FormatException($"invalid path \"{path}\": invalid cid: {problem}");
        }

        for (int i = 1; i < parts.Length; i++)
        {
            PbNode node = await DagNodeAsync(cid!, ct).ConfigureAwait(false);
            PbLink? link = node.Links.FirstOrDefault(l => l.Name == parts[i]);
            cid = link?.Target ?? throw new ContentNotFoundException($"no link named \"{parts[i]}\" under {cid}");
        }

        return cid!;
    }

    /// <summary>The file's size in bytes.</summary>
    public async Task<ulong> SizeAsync(Cid cid, CancellationToken ct)
    {
        byte[] block = await BlockAsync(cid, ct).ConfigureAwait(false);
        if (cid.Codec == Multicodec.Raw)
        {
            return (ulong)block.Length;
        }

        UnixFsData data = FileData(cid, PbNode.Decode(block));
        return data.ContentSize;
    }

    /// <summary>Writes bytes [offset, offset + length) of the file to <paramref name="output"/>; length null means to the end.</summary>
    public async Task WriteAsync(Cid cid, ulong offset, ulong? length, Stream output, CancellationToken ct)
    {
        ulong end = length is ulong l ? (ulong.MaxValue - offset < l ? ulong.MaxValue : offset + l) : ulong.MaxValue;
        if (end > offset)
        {
            await WriteRangeAsync(cid, 0, offset, end, output, ct).ConfigureAwait(false);
        }
    }

    private async Task WriteRangeAsync(Cid cid, ulong nodeStart, ulong from, ulong to, Stream output, CancellationToken ct)
    {
        byte[] block = await BlockAsync(cid, ct).ConfigureAwait(false);
        if (cid.Codec == Multicodec.Raw)
        {
            await WriteSliceAsync(block, nodeStart, from, to, output, ct).ConfigureAwait(false);
            return;
        }

        PbNode node = PbNode.Decode(block);
        UnixFsData data = FileData(cid, node);
        ulong position = nodeStart;
        if (data.Data is { Length: > 0 } own)
        {
            await WriteSliceAsync(own, position, from, to, output, ct).ConfigureAwait(false);
            position += (ulong)own.Length;
        }

        if (node.Links.Count != data.BlockSizes.Count && node.Links.Count > 0)
        {
            throw new FormatException($"{cid}: {node.Links.Count} links but {data.BlockSizes.Count} blocksizes");
        }

        for (int i = 0; i < node.Links.Count && position < to; i++)
        {
            ulong childEnd = position + data.BlockSizes[i];
            if (childEnd > from)
            {
                await WriteRangeAsync(node.Links[i].Target, position, from, to, output, ct).ConfigureAwait(false);
            }

            position = childEnd;
        }
    }

    private static async Task WriteSliceAsync(byte[] bytes, ulong start, ulong from, ulong to, Stream output, CancellationToken ct)
    {
        ulong end = start + (ulong)bytes.Length;
        ulong a = Math.Max(start, from);
        ulong b = Math.Min(end, to);
        if (a < b)
        {
            await output.WriteAsync(bytes.AsMemory((int)(a - start), (int)(b - a)), ct).ConfigureAwait(false);
        }
    }

    private static UnixFsData FileData(Cid cid, PbNode node)
    {
        UnixFsData data = node.Data is null ? throw new FormatException($"{cid}: dag-pb node without UnixFS data") : UnixFsData.Decode(node.Data);
        return data.Type switch
        {
            UnixFsType.File or UnixFsType.Raw => data,
            UnixFsType.Directory or UnixFsType.HamtShard => throw new InvalidOperationException("this dag node is a directory"),
            _ => throw new FormatException($"{cid}: unsupported UnixFS type {data.Type}"),
        };
    }

    private async Task<PbNode> DagNodeAsync(Cid cid, CancellationToken ct)
    {
        if (cid.Codec != Multicodec.DagPb)
        {
            throw new ContentNotFoundException($"{cid} is not a directory");
        }

        return PbNode.Decode(await BlockAsync(cid, ct).ConfigureAwait(false));
    }

    private async Task<byte[]> BlockAsync(Cid cid, CancellationToken ct)
    {
        byte[] block = await source.GetAsync(cid, ct).ConfigureAwait(false) ?? throw new ContentNotFoundException($"block was not found locally (offline): ipld: could not find {cid}");
        if (!Multihash.Matches(cid.Multihash, block))
        {
            throw new FormatException($"block {cid} does not match its hash: the stored copy is damaged");
        }

        return block;
    }
}
