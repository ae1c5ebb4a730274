using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Logging;

namespace Aegis.Network;

/// <summary>
/// Accepts TCP connections and handshakes each on its own task, so a slow or hostile client never holds up the next
/// one; <see cref="AcceptAsync"/> hands out the channels that made it. Everything is bounded (<see cref="PeerLimits"/>):
/// handshakes in progress (including finished ones waiting to be accepted), connections per address (handshaking or
/// connected as an observer) and handshakes started per address per second. A connection beyond a limit is reset on
/// arrival, before any cryptography, counted in <c>aegis_p2p_connections_refused_total{reason}</c> and logged at most
/// once per interval per reason. Failed handshakes are counted and logged by the transport, never thrown here.
/// </summary>
public sealed class SecureListener : IAsyncDisposable
{
    public const int DefaultMaxPendingHandshakes = 64;
    private const int Backlog = 512;

    private readonly SecureTransport _transport;
    private readonly Socket _socket;
    private readonly int _maxPending;
    private readonly ILogger _logger;
    private readonly ConnectionsPerAddress _perAddress;
    private readonly PartitionedRateLimiter<IPAddress> _handshakeRate;
    private readonly int _handshakesPerSecond;
    private readonly LogThrottle _refusalLog;
    private readonly Channel<SecureChannel> _ready;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<long, Task> _handshakes = new();
    private readonly Task _acceptLoop;
    private readonly LogThrottle _acceptFailureLog;
    private long _nextHandshake;
    private int _pending;
    private int _disposed;

    internal SecureListener(SecureTransport transport, IPEndPoint endPoint, PeerLimits limits, ILogger logger)
    {
        limits.Validate();
        _transport = transport;
        _maxPending = limits.MaxPendingHandshakes;
        _logger = logger;
        _perAddress = new ConnectionsPerAddress(limits.MaxConnectionsPerIp);
        _handshakesPerSecond = limits.HandshakesPerSecondPerIp;

        // One bucket per address holding a second's worth, refilled once a second by the partitioned limiter's own
        // timer (AutoReplenishment off: no timer per address); buckets idle and full are dropped, so the map stays small.
        int rate = limits.HandshakesPerSecondPerIp;
        _handshakeRate = PartitionedRateLimiter.Create<IPAddress, IPAddress>(ip => RateLimitPartition.GetTokenBucketLimiter(ip, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = rate,
            TokensPerPeriod = rate,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = false,
        }));
        _refusalLog = LogThrottle.For<PeerRefusal>(limits.LogInterval);
        _ready = Channel.CreateBounded<SecureChannel>(new BoundedChannelOptions(_maxPending) { SingleWriter = false });
        _socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        _acceptFailureLog = new LogThrottle(1, limits.LogInterval);
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

    /// <summary>Connections counted against <paramref name="address"/>'s per-address limit now: handshaking, or open as an observer.</summary>
    public int ConnectionsFrom(IPAddress address) => _perAddress.OpenFrom(address);

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

        _handshakeRate.Dispose();
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
                if (_acceptFailureLog.ShouldLog(0, out long suppressed))
                {
                    _logger.AcceptFailed(LocalEndPoint, ex.Message, suppressed);
                }

                await Task.Delay(TimeSpan.FromMilliseconds(100), ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                continue;
            }

            IPEndPoint? remote = RemoteOf(socket);
            if (remote is null)
            {
                socket.Dispose();
                continue;
            }

            if (Interlocked.Increment(ref _pending) > _maxPending)
            {
                Interlocked.Decrement(ref _pending);
                Refuse(socket, remote, PeerRefusal.PendingHandshakes, $"{_maxPending} handshakes already in progress");
                continue;
            }

            if (!_perAddress.TryAcquire(remote.Address, out IDisposable? slot))
            {
                Interlocked.Decrement(ref _pending);
                Refuse(socket, remote, PeerRefusal.PerIpConnections, $"{_perAddress.Limit} connections from {ConnectionsPerAddress.KeyOf(remote.Address)} already open (p2p.max_connections_per_ip)");
                continue;
            }

            using (RateLimitLease token = _handshakeRate.AttemptAcquire(ConnectionsPerAddress.KeyOf(remote.Address)))
            {
                if (!token.IsAcquired)
                {
                    slot!.Dispose();
                    Interlocked.Decrement(ref _pending);
                    Refuse(socket, remote, PeerRefusal.HandshakeRate, $"more than {_handshakesPerSecond} handshakes in one second from {ConnectionsPerAddress.KeyOf(remote.Address)} (p2p.handshakes_per_second_per_ip)");
                    continue;
                }
            }

            long id = _nextHandshake++;
            Task handshake = HandshakeAsync(id, socket, slot!, ct);
            _handshakes[id] = handshake;
            if (handshake.IsCompleted)
            {
                // It finished before it was registered, so its own removal found nothing.
                _handshakes.TryRemove(id, out _);
            }
        }
    }

    /// <summary>
    /// Resets the connection (RST, not FIN: under a flood the node must not keep a TIME_WAIT entry per refused
    /// connection), counts the refusal and logs it at most once per interval for this reason.
    /// </summary>
    private void Refuse(Socket socket, IPEndPoint remote, PeerRefusal reason, string detail)
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0);
        }
        catch (SocketException)
        {
        }

        // Counted before the reset: whoever sees the reset (a test, an operator's probe) then finds it counted.
        NetworkMetrics.CountRefusal(reason);
        socket.Dispose();
        if (_refusalLog.ShouldLog((int)reason, out long suppressed))
        {
            _logger.ConnectionRefused(LocalEndPoint, remote, NetworkMetrics.ReasonLabel(reason), detail, suppressed);
        }
    }

    /// <summary>A connection reset right after accept has no remote address any more; that must not end the accept loop.</summary>
    private static IPEndPoint? RemoteOf(Socket socket)
    {
        try
        {
            return socket.RemoteEndPoint as IPEndPoint;
        }
        catch (SocketException)
        {
            return null;
        }
    }

    private async Task HandshakeAsync(long id, Socket socket, IDisposable slot, CancellationToken ct)
    {
        await Task.Yield();
        SecureChannel? channel = null;
        bool queued = false;
        try
        {
            channel = await _transport.AcceptAsync(socket, ct);

            // A proven validator no longer counts against its address: validators sharing a host (a local testnet,
            // a NAT) must never crowd each other out. An observer keeps its slot for as long as it is connected.
            if (channel.Role == PeerRole.Validator)
            {
                slot.Dispose();
            }
            else
            {
                channel.HoldConnectionSlot(slot);
            }

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
            if (channel is null)
            {
                slot.Dispose();
            }

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
