using System.Collections.Concurrent;
using System.Threading.Channels;

namespace Aegis.Content.PubSub;

/// <summary>
/// Topics and their subscribers on this node. Each subscriber has a bounded queue (<see cref="QueueCapacity"/>); a
/// subscriber that falls that far behind loses the oldest messages rather than slowing publishers or growing memory,
/// the same trade gossipsub makes for a slow peer.
/// </summary>
public sealed class PubSubHub
{
    public const int QueueCapacity = 1024;

    private readonly ConcurrentDictionary<string, ConcurrentDictionary<Guid, Channel<PubSubMessage>>> _topics = new(StringComparer.Ordinal);
    private long _sequence;

    public IReadOnlyList<string> Topics => _topics.Where(t => !t.Value.IsEmpty).Select(t => t.Key).OrderBy(t => t, StringComparer.Ordinal).ToList();

    public int Publish(string from, string topic, byte[] data)
    {
        var message = new PubSubMessage(from, data, (ulong)Interlocked.Increment(ref _sequence), topic);
        if (!_topics.TryGetValue(topic, out var subscribers))
        {
            return 0;
        }

        int delivered = 0;
        foreach (Channel<PubSubMessage> channel in subscribers.Values)
        {
            if (channel.Writer.TryWrite(message))
            {
                delivered++;
            }
        }

        return delivered;
    }

    public async IAsyncEnumerable<PubSubMessage> SubscribeAsync(string topic, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var channel = Channel.CreateBounded<PubSubMessage>(new BoundedChannelOptions(QueueCapacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        var id = Guid.NewGuid();
        var subscribers = _topics.GetOrAdd(topic, _ => new ConcurrentDictionary<Guid, Channel<PubSubMessage>>());
        subscribers[id] = channel;
        try
        {
            await foreach (PubSubMessage message in channel.Reader.ReadAllAsync(ct).ConfigureAwait(false))
            {
                yield return message;
            }
        }
        finally
        {
            subscribers.TryRemove(id, out _);
        }
    }
}
