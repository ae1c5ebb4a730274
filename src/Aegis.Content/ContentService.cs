using Aegis.Content.Cids;
using Aegis.Content.DagPb;
using Aegis.Content.Pinning;
using Aegis.Content.Replication;
using Aegis.Content.Storage;
using Aegis.Content.UnixFs;

namespace Aegis.Content;

/// <summary>
/// The content store's operations, independent of HTTP: import, export, raw blocks, pins and garbage collection over
/// one <see cref="ContentStore"/>. Blocks a node lacks are asked of <see cref="Fetcher"/> (the peers) when set.
/// </summary>
public sealed class ContentService : IBlockSource, IDisposable
{
    private readonly GcLock _gcLock = new();

    public ContentService(ContentStore store, IPinLedger? ledger = null)
    {
        Store = store;
        Ledger = ledger;
    }

    public ContentStore Store { get; }

    public IPinLedger? Ledger { get; set; }

    /// <summary>Asks peers for a block this node lacks; null when the store stands alone.</summary>
    public IBlockFetcher? Fetcher { get; set; }

    /// <summary>Imports one file; keeps its blocks (unless <paramref name="onlyHash"/>) but pins nothing (see <see cref="PinAsync"/>).</summary>
    public Task<ImportedNode> ImportFileAsync(Stream content, ImportOptions options, bool onlyHash, Func<long, ValueTask>? progress, CancellationToken ct) =>
        ImportFileAsync(content, options, onlyHash, pin: false, progress, ct);

    /// <summary>
    /// Imports one file and, with <paramref name="pin"/>, pins its root in the same transaction as its last blocks
    /// (one fsync for a small add) and submits the pin to the ledger.
    /// </summary>
    public async Task<ImportedNode> ImportFileAsync(Stream content, ImportOptions options, bool onlyHash, bool pin, Func<long, ValueTask>? progress, CancellationToken ct)
    {
        if (onlyHash)
        {
            return await new FileImporter(options, DiscardingSink.Instance).ImportAsync(content, progress, ct).ConfigureAwait(false);
        }

        ImportedNode node;
        using (await _gcLock.SharedAsync(ct).ConfigureAwait(false))
        {
            var sink = new StoreSink(Store);
            node = await new FileImporter(options, sink).ImportAsync(content, progress, ct).ConfigureAwait(false);
            await sink.FlushAsync(pin ? [new PinRecord(node.Cid, PinSource.Local, 0)] : [], ct).ConfigureAwait(false);
        }

        if (pin && Ledger is not null)
        {
            await Ledger.SubmitAsync(node.Cid, pin: true, ct).ConfigureAwait(false);
        }

        return node;
    }

    /// <summary>Builds the directory nodes of a multi-file add.</summary>
    public async Task<IReadOnlyList<(string Path, ImportedNode Node)>> BuildDirectoryAsync(DirectoryBuilder directory, int cidVersion, bool onlyHash, CancellationToken ct)
    {
        if (onlyHash)
        {
            return await directory.BuildAsync(cidVersion, DiscardingSink.Instance, ct).ConfigureAwait(false);
        }

        using IDisposable lease = await _gcLock.SharedAsync(ct).ConfigureAwait(false);
        var sink = new StoreSink(Store);
        IReadOnlyList<(string, ImportedNode)> nodes = await directory.BuildAsync(cidVersion, sink, ct).ConfigureAwait(false);
        await sink.FlushAsync(ct).ConfigureAwait(false);
        return nodes;
    }

    /// <summary>The block from this node's store, else from a peer (checked against its hash and kept).</summary>
    public async Task<byte[]?> GetAsync(Cid cid, CancellationToken ct)
    {
        byte[]? block = await Store.GetAsync(cid, ct).ConfigureAwait(false);
        if (block is not null || Fetcher is null)
        {
            return block;
        }

        block = await Fetcher.FetchAsync(cid, ct).ConfigureAwait(false);
        if (block is not null && Multihash.Matches(cid.Multihash, block))
        {
            await Store.PutManyAsync([(cid, block)], ct).ConfigureAwait(false);
            return block;
        }

        return null;
    }

    public FileExporter Exporter => new(this);

    /// <summary>Stores one raw block (block/put): its CID is computed here, never trusted from the caller.</summary>
    public async Task<Cid> PutBlockAsync(byte[] data, int version, ulong codec, CancellationToken ct)
    {
        if (codec == Multicodec.DagPb)
        {
            PbNode.Decode(data);
        }

        Cid cid = Cid.Of(data, codec == Multicodec.DagPb ? version : 1, codec);
        using IDisposable lease = await _gcLock.SharedAsync(ct).ConfigureAwait(false);
        await Store.PutManyAsync([(cid, data)], ct).ConfigureAwait(false);
        return cid;
    }

    /// <summary>
    /// Pins a root recursively: every block below it must be present (fetched from peers when missing), then the
    /// pin is recorded locally and, when a ledger is attached, submitted as a pin transaction.
    /// </summary>
    /// <exception cref="ContentNotFoundException">a block of the DAG cannot be found.</exception>
    public async Task PinAsync(Cid root, bool recordOnLedger, CancellationToken ct)
    {
        using (await _gcLock.SharedAsync(ct).ConfigureAwait(false))
        {
            await foreach (Cid _ in WalkAsync(root, ct).ConfigureAwait(false))
            {
            }

            await Store.AddPinsAsync([new PinRecord(root, PinSource.Local, 0)], ct).ConfigureAwait(false);
        }

        if (recordOnLedger && Ledger is not null)
        {
            await Ledger.SubmitAsync(root, pin: true, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Removes a pin here and, with a ledger, everywhere (an unpin transaction).</summary>
    /// <returns>false when the CID was not pinned.</returns>
    public async Task<bool> UnpinAsync(Cid root, CancellationToken ct)
    {
        int removed = await Store.RemovePinAsync(root, [PinSource.Local, PinSource.Ledger], ct).ConfigureAwait(false);
        if (removed > 0 && Ledger is not null)
        {
            await Ledger.SubmitAsync(root, pin: false, ct).ConfigureAwait(false);
        }

        return removed > 0;
    }

    /// <summary>The pinned roots, one entry per CID (v0 and v1 of one block count as one).</summary>
    public async Task<List<Cid>> ListPinsAsync(CancellationToken ct)
    {
        List<PinRecord> pins = await Store.ListPinsAsync(ct).ConfigureAwait(false);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var list = new List<Cid>();
        // A root pinned here keeps the form its client used (a CIDv0 stays v0); ledger pins travel as CIDv1.
        foreach (PinRecord pin in pins.OrderBy(p => p.Source))
        {
            if (seen.Add(Convert.ToHexString(pin.Cid.Multihash)))
            {
                list.Add(pin.Cid);
            }
        }

        return list;
    }

    /// <summary>Deletes every block no pin reaches; returns the removed CIDs (as CIDv1, like Kubo's repo/gc).</summary>
    public async Task<List<Cid>> CollectGarbageAsync(CancellationToken ct)
    {
        using IDisposable exclusive = await _gcLock.ExclusiveAsync(ct).ConfigureAwait(false);
        var live = new HashSet<string>(StringComparer.Ordinal);
        foreach (PinRecord pin in await Store.ListPinsAsync(ct).ConfigureAwait(false))
        {
            try
            {
                await foreach (Cid cid in WalkAsync(pin.Cid, ct, localOnly: true).ConfigureAwait(false))
                {
                    live.Add(Convert.ToHexString(cid.Multihash));
                }
            }
            catch (ContentNotFoundException)
            {
                // A ledger pin whose blocks are still being fetched keeps what is here; the rest arrives later.
            }
        }

        var dead = new List<Cid>();
        foreach ((Cid cid, long _) in await Store.ListBlocksAsync(ct).ConfigureAwait(false))
        {
            if (!live.Contains(Convert.ToHexString(cid.Multihash)))
            {
                dead.Add(cid);
            }
        }

        await Store.DeleteBlocksAsync(dead, ct).ConfigureAwait(false);
        return dead;
    }

    /// <summary>Every CID reachable from <paramref name="root"/> (depth first), fetching missing blocks from peers unless <paramref name="localOnly"/>.</summary>
    /// <exception cref="ContentNotFoundException">a block cannot be had.</exception>
    public async IAsyncEnumerable<Cid> WalkAsync(Cid root, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct, bool localOnly = false)
    {
        var stack = new Stack<Cid>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        stack.Push(root);
        while (stack.Count > 0)
        {
            Cid cid = stack.Pop();
            if (!seen.Add(Convert.ToHexString(cid.Multihash)))
            {
                continue;
            }

            byte[] block = (localOnly ? await Store.GetAsync(cid, ct).ConfigureAwait(false) : await GetAsync(cid, ct).ConfigureAwait(false))
                ?? throw new ContentNotFoundException($"block was not found locally (offline): ipld: could not find {cid}");
            yield return cid;
            if (cid.Codec == Multicodec.DagPb)
            {
                PbNode node = PbNode.Decode(block);
                for (int i = node.Links.Count - 1; i >= 0; i--)
                {
                    stack.Push(node.Links[i].Target);
                }
            }
        }
    }

    public void Dispose() => _gcLock.Dispose();
}
