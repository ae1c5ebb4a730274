using Aegis.Content.Cids;
using Aegis.Content.UnixFs;

namespace Aegis.Content.Storage;

/// <summary>
/// Collects an import's blocks and writes them in batches of about <see cref="BatchBytes"/>: one transaction (one
/// fsync) per batch instead of one per 256 KiB chunk, and memory bounded for any file size.
/// </summary>
internal sealed class StoreSink(ContentStore store) : IBlockSink
{
    private const int BatchBytes = 8 * 1024 * 1024;

    private readonly List<(Cid, byte[])> _pending = [];
    private int _pendingBytes;

    public async ValueTask PutAsync(Cid cid, byte[] block, CancellationToken ct)
    {
        _pending.Add((cid, block));
        _pendingBytes += block.Length;
        if (_pendingBytes >= BatchBytes)
        {
            await FlushAsync(ct).ConfigureAwait(false);
        }
    }

    public Task FlushAsync(CancellationToken ct) => FlushAsync([], ct);

    /// <summary>Writes what is pending together with <paramref name="pins"/>, in one transaction.</summary>
    public async Task FlushAsync(IReadOnlyList<PinRecord> pins, CancellationToken ct)
    {
        await store.PutManyAsync(_pending, pins, ct).ConfigureAwait(false);
        _pending.Clear();
        _pendingBytes = 0;
    }
}
