using System.Collections.Concurrent;
using System.Threading.Channels;

namespace Aegis.Node.Runtime;

/// <summary>
/// The committed-block stream of a node (validator or observer) for its subscribers (SSE, the dashboard): each
/// subscriber has its own bounded channel, and a slow one loses its oldest events instead of holding up the commit path.
/// </summary>
internal sealed class BlockEventHub
{
    /// <summary>Events a subscriber may fall behind by before it loses the oldest.</summary>
    private const int Backlog = 1024;

    private readonly ConcurrentDictionary<Guid, Channel<BlockEvent>> _subscribers = new();

    public void Publish(BlockEvent e)
    {
        foreach (Channel<BlockEvent> subscriber in _subscribers.Values)
        {
            subscriber.Writer.TryWrite(e);
        }
    }

    public async IAsyncEnumerable<BlockEvent> SubscribeAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var id = Guid.NewGuid();
        Channel<BlockEvent> channel = Channel.CreateBounded<BlockEvent>(new BoundedChannelOptions(Backlog) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        _subscribers[id] = channel;
        try
        {
            await foreach (BlockEvent e in channel.Reader.ReadAllAsync(ct))
            {
                yield return e;
            }
        }
        finally
        {
            _subscribers.TryRemove(id, out _);
        }
    }
}
