using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Aegis.Network;

/// <summary>
/// Accepts TCP connections and handshakes each on its own task, so a slow or hostile client never holds up the next
/// one; <see cref="AcceptAsync"/> hands out the channels that made it. Everything is bounded: at most
/// <c>maxPendingHandshakes</c> handshakes (including finished ones waiting to be accepted) at once, beyond which new
/// connections are closed on arrival. Failed handshakes are counted and logged by the transport, never thrown here.
/// </summary>
public sealed class SecureListener : IAsyncDisposable
{
    public const int DefaultMaxPendingHandshakes = 64;
    private const int Backlog = 512;

    private readonly SecureTransport _transport;
    private readonly Socket _socket;
    private readonly int _maxPending;
    private readonly ILogger _logger;
    private readonly Channel<SecureChannel> _ready;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<long, Task> _handshakes = new();
    private readonly Task _acceptLoop;
    private long _nextHandshake;
    private int _pending;
    private int _disposed;

    internal SecureListener(SecureTransport transport, IPEndPoint endPoint, int maxPendingHandshakes, ILogger logger)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPendingHandshakes, 1);
        _transport = transport;
        _maxPending = maxPendingHandshakes;
        _logger = logger;
        _ready = Channel.CreateBounded<SecureChannel>(new BoundedChannelOptions(maxPendingHandshakes) { SingleWriter = false });
        _socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            // A node restarted right after a crash must not be locked out of its port by connections in TIME_WAIT.
            _socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            _socket.Bind(endPoint);
            _socket.Listen(Backlog);
        }
        catch
        {
            _socket.Dispose();
            throw;
        }

        LocalEndPoint = (IPEndPoint)_socket.LocalEndPoint!;
        _logger.ListenerStarted(LocalEndPoint);
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    /// <summary>The bound address, with the real port when port 0 was asked for.</summary>
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>Handshakes running or finished and not yet accepted.</summary>
    public int PendingHandshakes => Volatile.Read(ref _pending);

    /// <summary>The next connection that completed its handshake. Throws <see cref="ObjectDisposedException"/> once the listener is disposed.</summary>
    public async ValueTask<SecureChannel> AcceptAsync(CancellationToken ct)
    {
        try
        {
            SecureChannel channel = await _ready.Reader.ReadAsync(ct);
            Interlocked.Decrement(ref _pending);
            return channel;
        }
        catch (ChannelClosedException)
        {
            throw new ObjectDisposedException(nameof(SecureListener), $"the listener on {LocalEndPoint} is closed");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync();
        _socket.Dispose();
        await _acceptLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

        // Cancellation reaches every running handshake at once, so this wait is short.
        await Task.WhenAll(_handshakes.Values).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _ready.Writer.TryComplete();
        while (_ready.Reader.TryRead(out SecureChannel? unaccepted))
        {
            await unaccepted.DisposeAsync();
        }

        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        CancellationToken ct = _stop.Token;
        while (!ct.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _socket.AcceptAsync(ct);
            }
            catch (Exception) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException ex)
            {
                // Typically out of file descriptors: back off instead of spinning on the error.
                _logger.AcceptFailed(LocalEndPoint, ex.Message);
                await Task.Delay(TimeSpan.FromMilliseconds(100), ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                continue;
            }

            if (Interlocked.Increment(ref _pending) > _maxPending)
            {
                Interlocked.Decrement(ref _pending);
                _logger.ConnectionShed(LocalEndPoint, RemoteOf(socket), _maxPending);
                socket.Dispose();
                continue;
            }

            long id = _nextHandshake++;
            Task handshake = HandshakeAsync(id, socket, ct);
            _handshakes[id] = handshake;
            if (handshake.IsCompleted)
            {
                // It finished before it was registered, so its own removal found nothing.
                _handshakes.TryRemove(id, out _);
            }
        }
    }

    /// <summary>A connection reset right after accept has no remote address any more; that must not end the accept loop.</summary>
    private static EndPoint? RemoteOf(Socket socket)
    {
        try
        {
            return socket.RemoteEndPoint;
        }
        catch (SocketException)
        {
            return null;
        }
    }

    private async Task HandshakeAsync(long id, Socket socket, CancellationToken ct)
    {
        await Task.Yield();
        SecureChannel? channel = null;
        bool queued = false;
        try
        {
            channel = await _transport.AcceptAsync(socket, ct);
            await _ready.Writer.WriteAsync(channel, ct);
            queued = true;
        }
        catch (HandshakeException)
        {
            // Counted, logged and raised by the transport.
        }
        catch (Exception ex) when (ex is OperationCanceledException or ChannelClosedException or IOException or SocketException or ObjectDisposedException)
        {
        }
        finally
        {
            if (!queued)
            {
                Interlocked.Decrement(ref _pending);
                if (channel is not null)
                {
                    await channel.DisposeAsync();
                }
            }

            _handshakes.TryRemove(id, out _);
        }
    }
}
