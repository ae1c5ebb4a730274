using Aegis.Content.Cids;
using Aegis.Content.DagPb;

namespace Aegis.Content.UnixFs;

/// <summary>
/// Imports a stream as a UnixFS file with go-unixfs's balanced layout: fixed-size chunks become leaves, leaves are
/// grouped at most <see cref="ImportOptions.MaxLinks"/> to a parent, level by level, every level packed from the
/// left; one chunk is its own root. Built bottom-up while reading, so memory stays at one chunk plus one pending
/// link list per level (a 10 GiB file is 4 levels deep).
/// </summary>
public sealed class FileImporter
{
    private readonly ImportOptions _options;
    private readonly IBlockSink _sink;
    private readonly List<List<ImportedNode>> _levels = [];
    private readonly byte[] _chunk;

    public FileImporter(ImportOptions options, IBlockSink sink)
    {
        if (options.ChunkSize is < 1 or > ImportOptions.MaxChunkSize)
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"chunk size must be 1 to {ImportOptions.MaxChunkSize} bytes");
        }

        _options = options;
        _sink = sink;
        _chunk = new byte[options.ChunkSize];
    }

    /// <summary>Bytes read so far (for <c>progress</c>).</summary>
    public long BytesRead { get; private set; }

    public async Task<ImportedNode> ImportAsync(Stream input, Func<long, ValueTask>? progress, CancellationToken ct)
    {
        bool any = false;
        while (true)
        {
            int filled = await FillAsync(input, ct).ConfigureAwait(false);
            if (filled == 0 && any)
            {
                break;
            }

            any = true;
            ImportedNode leaf = await LeafAsync(_chunk.AsMemory(0, filled), ct).ConfigureAwait(false);
            await AddAsync(0, leaf, ct).ConfigureAwait(false);
            BytesRead += filled;
            if (progress is not null)
            {
                await progress(BytesRead).ConfigureAwait(false);
            }

            if (filled < _chunk.Length)
            {
                break;
            }
        }

        return await FinishAsync(ct).ConfigureAwait(false);
    }

    private async Task<int> FillAsync(Stream input, CancellationToken ct)
    {
        int filled = 0;
        while (filled < _chunk.Length)
        {
            int n = await input.ReadAsync(_chunk.AsMemory(filled), ct).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }

            filled += n;
        }

        return filled;
    }

    private async ValueTask<ImportedNode> LeafAsync(ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        byte[] block;
        Cid cid;
        if (_options.RawLeaves)
        {
            block = data.ToArray();
            cid = Cid.Of(block, 1, Multicodec.Raw);
        }
        else
        {
            var unixfs = new UnixFsData(UnixFsType.File, data.ToArray(), (ulong)data.Length);
            block = new PbNode([], unixfs.Encode()).Encode();
            cid = Cid.Of(block, _options.CidVersion, Multicodec.DagPb);
        }

        await _sink.PutAsync(cid, block, ct).ConfigureAwait(false);
        return new ImportedNode(cid, (ulong)block.Length, (ulong)data.Length);
    }

    private async ValueTask AddAsync(int level, ImportedNode node, CancellationToken ct)
    {
        while (_levels.Count <= level)
        {
            _levels.Add([]);
        }

        List<ImportedNode> pending = _levels[level];
        pending.Add(node);
        if (pending.Count == _options.MaxLinks)
        {
            ImportedNode parent = await ParentAsync(pending, ct).ConfigureAwait(false);
            pending.Clear();
            await AddAsync(level + 1, parent, ct).ConfigureAwait(false);
        }
    }

    private async Task<ImportedNode> FinishAsync(CancellationToken ct)
    {
        for (int level = 0; ; level++)
        {
            List<ImportedNode> pending = _levels[level];
            bool higher = _levels.Skip(level + 1).Any(l => l.Count > 0);
            if (!higher && pending.Count == 1)
            {
                return pending[0];
            }

            if (pending.Count > 0)
            {
                ImportedNode parent = await ParentAsync(pending, ct).ConfigureAwait(false);
                pending.Clear();
                await AddAsync(level + 1, parent, ct).ConfigureAwait(false);
            }
        }
    }

    private async ValueTask<ImportedNode> ParentAsync(List<ImportedNode> children, CancellationToken ct)
    {
        var links = new PbLink[children.Count];
        var sizes = new ulong[children.Count];
        ulong fileSize = 0;
        ulong total = 0;
        for (int i = 0; i < children.Count; i++)
        {
            links[i] = new PbLink(children[i].Cid, "", children[i].TotalSize);
            sizes[i] = children[i].FileSize;
            fileSize += children[i].FileSize;
            total += children[i].TotalSize;
        }

        byte[] block = new PbNode(links, new UnixFsData(UnixFsType.File, null, fileSize, sizes).Encode()).Encode();
        Cid cid = Cid.Of(block, _options.CidVersion, Multicodec.DagPb);
        await _sink.PutAsync(cid, block, ct).ConfigureAwait(false);
        return new ImportedNode(cid, total + (ulong)block.Length, fileSize);
    }
}
