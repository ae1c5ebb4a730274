using System.Collections.Concurrent;
using Aegis.Content.Cids;
using Aegis.Content.Storage;
using Aegis.Network;

namespace Aegis.Content.Replication;

/// <summary>
/// Block exchange over the validators' authenticated P2P channels. Asking: a <see cref="ContentWant"/> goes to every
/// connected peer, the first answer whose bytes match the CID's hash wins, and after <see cref="Timeout"/> the block
/// counts as unavailable (the replicator retries later). Answering: blocks come from this node's store only, at most
/// <see cref="ContentBlocks.MaxAnswerBytes"/> per answer, so a want costs one lookup per CID and never spreads.
/// </summary>
public sealed class PeerBlockFetcher(IPeerNetwork network, ContentStore store) : IBlockFetcher, IPeerMessageHandler
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<string, TaskCompletionSource<byte[]>> _waiting = new(StringComparer.Ordinal);
    private long _requests;

    public async Task<byte[]?> FetchAsync(Cid cid, CancellationToken ct)
    {
        string key = Convert.ToHexString(cid.Multihash);
        var mine = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        TaskCompletionSource<byte[]> waiter = _waiting.GetOrAdd(key, mine);
        if (waiter == mine)
        {
            network.Broadcast(new ContentWant((ulong)Interlocked.Increment(ref _requests), [cid.ToBytes()]));
        }

        try
        {
            return await waiter.Task.WaitAsync(Timeout, ct).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return null;
        }
        finally
        {
            if (waiter == mine)
            {
                _waiting.TryRemove(new KeyValuePair<string, TaskCompletionSource<byte[]>>(key, mine));
            }
        }
    }

    public async ValueTask HandleAsync(PeerConnectionInfo from, PeerMessage message, CancellationToken ct)
    {
        switch (message)
        {
            case ContentWant want:
                var found = new List<(byte[], byte[])>();
                long bytes = 0;
                foreach (byte[] raw in want.Cids)
                {
                    if (Cid.TryFromBytes(raw, out Cid? cid, out _) && await store.GetAsync(cid!, ct).ConfigureAwait(false) is { } data && bytes + data.Length <= ContentBlocks.MaxAnswerBytes)
                    {
                        found.Add((raw, data));
                        bytes += data.Length;
                    }
                }

                if (found.Count > 0)
                {
                    from.Reply(new ContentBlocks(want.RequestId, found));
                }

                break;

            case ContentBlocks answer:
                foreach ((byte[] raw, byte[] data) in answer.Blocks)
                {
                    if (Cid.TryFromBytes(raw, out Cid? cid, out _) && _waiting.TryGetValue(Convert.ToHexString(cid!.Multihash), out var waiter) && Multihash.Matches(cid.Multihash, data))
                    {
                        waiter.TrySetResult(data);
                    }
                }

                break;
        }
    }
}
