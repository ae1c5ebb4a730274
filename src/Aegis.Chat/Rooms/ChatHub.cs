using System.Collections.Concurrent;
using System.Threading.Channels;

namespace Aegis.Chat.Rooms;

/// <summary>
/// Push delivery: the projection publishes each appended message here; every open event stream of that room gets
/// it. Queues are bounded: a stream that falls <see cref="QueueCapacity"/> messages behind is closed, and its client
/// reconnects with Last-Event-ID and reads the gap from the store, so nothing is lost and memory stays bounded.
/// </summary>
public sealed class ChatHub
{
    public const int QueueCapacity = 1024;

    private readonly ConcurrentDictionary<string, ConcurrentDictionary<Guid, Channel<MessageRecord>>> _rooms = new(StringComparer.Ordinal);

    public int Subscribers => _rooms.Values.Sum(r => r.Count);

    public void Publish(IEnumerable<MessageRecord> messages)
    {
        foreach (MessageRecord m in messages)
        {
            if (_rooms.TryGetValue(Convert.ToHexString(m.RoomId), out var subscribers))
            {
                foreach (Channel<MessageRecord> channel in subscribers.Values)
                {
                    if (!channel.Writer.TryWrite(m))
                    {
                        channel.Writer.TryComplete(new InvalidOperationException("subscriber fell behind"));
                    }
                }
            }
        }
    }

    /// <summary>Registers a subscriber; dispose the returned handle to leave.</summary>
    public Subscription Subscribe(byte[] room)
    {
        string key = Convert.ToHexString(room);
        var channel = Channel.CreateBounded<MessageRecord>(new BoundedChannelOptions(QueueCapacity) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });
        var id = Guid.NewGuid();
        var subscribers = _rooms.GetOrAdd(key, _ => new ConcurrentDictionary<Guid, Channel<MessageRecord>>());
        subscribers[id] = channel;
        return new Subscription(channel.Reader, () => subscribers.TryRemove(id, out _));
    }

    public sealed class Subscription(ChannelReader<MessageRecord> reader, Action leave) : IDisposable
    {
        public ChannelReader<MessageRecord> Reader { get; } = reader;

        public void Dispose() => leave();
    }
}
