using System.Diagnostics;
using System.Threading.Channels;
using Aegis.Core.Consensus;

namespace Aegis.Network;

/// <summary>One live peer connection: a bounded send queue drained by a writer task, and heartbeat bookkeeping.</summary>
internal sealed class Connection : IAsyncDisposable
{
    // Messages waiting for a slow peer; beyond this the oldest go (consensus retransmits what matters).
    private const int QueueCapacity = 8192;

    private readonly Channel<byte[]> _queue = System.Threading.Channels.Channel.CreateBounded<byte[]>(new BoundedChannelOptions(QueueCapacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
    private readonly PeerMetrics _metrics;
    private long _lastSeen = Stopwatch.GetTimestamp();
    private double? _rtt;

    public Connection(SecureChannel channel, Validator? validator, bool outbound, PeerMetrics metrics)
    {
        Channel = channel;
        Validator = validator;
        Outbound = outbound;
        _metrics = metrics;
        Id = validator?.Id ?? "observer-" + channel.RemoteIdentity.Fingerprint.ToShortString();
    }

    public Guid Key { get; } = Guid.NewGuid();

    public SecureChannel Channel { get; }

    public Validator? Validator { get; }

    public bool Outbound { get; }

    public string Id { get; }

    public double? RttSeconds => _rtt;

    public void Enqueue(byte[] payload) => _queue.Writer.TryWrite(payload);

    public void Touch() => Interlocked.Exchange(ref _lastSeen, Stopwatch.GetTimestamp());

    /// <summary>Whether the peer sent anything within <paramref name="window"/> (heartbeats arrive every second).</summary>
    public bool SeenWithin(TimeSpan window) => Stopwatch.GetElapsedTime(Interlocked.Read(ref _lastSeen)) < window;

    public void RecordRtt(long sentTimestamp) => _rtt = Stopwatch.GetElapsedTime(sentTimestamp).TotalSeconds;

    public PeerInfo Info() => new(Id, Validator?.Index ?? -1, Channel.RemoteEndPoint.ToString(), Channel.Role == PeerRole.Validator ? "validator" : "observer", Outbound, _rtt, Channel.BytesSent, Channel.BytesReceived);

    public async Task RunWriterAsync(CancellationToken ct)
    {
        try
        {
            await foreach (byte[] payload in _queue.Reader.ReadAllAsync(ct))
            {
                if (payload.Length > Channel.MaxPayloadBytes)
                {
                    // Never tear down a healthy connection for one oversized message: drop it and count it.
                    _metrics.Failure("oversized_outgoing");
                    continue;
                }

                await Channel.SendAsync(payload, ct);
                _metrics.BytesSent.Add(payload.Length);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException or PeerProtocolException or System.Net.Sockets.SocketException)
        {
            // The reader notices the broken connection and tears it down.
            await Channel.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await Channel.DisposeAsync();
    }
}
