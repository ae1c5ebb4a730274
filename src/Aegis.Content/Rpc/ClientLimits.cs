using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;

namespace Aegis.Content.Rpc;

/// <summary>
/// Per-client bounds of the RPC surface: bytes added per hour (a fixed one-hour window per client) and open streams
/// (per client and in all). A client is its validated token's subject, else its address (an IPv6 /64) — the same key
/// the node's request rate limiter uses.
/// </summary>
internal sealed class ClientLimits(ContentOptions options, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, Usage> _clients = new(StringComparer.Ordinal);
    private int _streams;

    /// <summary>Whom the quota and the stream cap charge: <see cref="Network.ClientKey.Of"/>, as the node's rate limiter.</summary>
    public static string ClientKey(HttpContext http) => Network.ClientKey.Of(http.User, http.Connection.RemoteIpAddress);

    /// <summary>Takes one stream slot for the client; dispose it to give the slot back.</summary>
    /// <exception cref="KuboException">429: the client or the node has too many open streams.</exception>
    public IDisposable OpenStream(string client)
    {
        Usage usage = _clients.GetOrAdd(client, _ => new Usage());
        if (Interlocked.Increment(ref usage.Streams) > options.MaxStreamsPerClient)
        {
            Interlocked.Decrement(ref usage.Streams);
            throw KuboException.TooMany($"too many open streams: at most {options.MaxStreamsPerClient} per client");
        }

        if (Interlocked.Increment(ref _streams) > options.MaxStreams)
        {
            Interlocked.Decrement(ref _streams);
            Interlocked.Decrement(ref usage.Streams);
            throw KuboException.TooMany($"too many open streams: this node serves at most {options.MaxStreams}");
        }

        return new Slot(() =>
        {
            Interlocked.Decrement(ref _streams);
            Interlocked.Decrement(ref usage.Streams);
        });
    }

    /// <summary>Counts <paramref name="bytes"/> against the client's hourly quota.</summary>
    /// <exception cref="KuboException">429: the quota is used up.</exception>
    public void Charge(string client, long bytes)
    {
        Usage usage = _clients.GetOrAdd(client, _ => new Usage());
        long hour = time.GetUtcNow().ToUnixTimeSeconds() / 3600;
        lock (usage)
        {
            if (usage.Hour != hour)
            {
                usage.Hour = hour;
                usage.Bytes = 0;
            }

            if (usage.Bytes + bytes > options.QuotaBytesPerHour)
            {
                throw KuboException.TooMany($"quota exceeded: this client may add {options.QuotaBytesPerHour} bytes per hour");
            }

            usage.Bytes += bytes;
        }
    }

    /// <summary>A request body that charges the client's quota as it is read and stops at the size limit.</summary>
    public Stream Meter(Stream body, string client, long limit) => new MeteredStream(body, this, client, limit);

    private sealed class Usage
    {
        public int Streams;
        public long Hour;
        public long Bytes;
    }

    private sealed class Slot(Action release) : IDisposable
    {
        private Action? _release = release;

        public void Dispose() => Interlocked.Exchange(ref _release, null)?.Invoke();
    }

    private sealed class MeteredStream(Stream inner, ClientLimits limits, string client, long limit) : Stream
    {
        private long _read;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => _read; set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            int n = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            Count(n);
            return n;
        }

        public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            await ReadAsync(buffer.AsMemory(offset, count), cancellationToken).ConfigureAwait(false);

        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = inner.Read(buffer, offset, count);
            Count(n);
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private void Count(int n)
        {
            _read += n;
            if (_read > limit)
            {
                throw KuboException.TooLarge($"request body exceeds the limit of {limit} bytes (content.max_request_bytes)");
            }

            limits.Charge(client, n);
        }
    }
}
