using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Aegis.Core.Consensus;
using Aegis.Core.Crypto;
using Aegis.Core.Encoding;
using Microsoft.Extensions.Logging;

namespace Aegis.Network;

/// <summary>
/// Keeps one authenticated connection to every other validator (the lower index dials the higher, so each pair
/// has one), accepts observers, dials bootstrap nodes, reconnects with exponential backoff and jitter, and measures
/// round-trip times with heartbeats. Outgoing queues are bounded: under overload consensus messages are dropped,
/// never buffered without limit (the replica retransmits what matters).
/// </summary>
public sealed partial class PeerNetwork : IPeerNetwork, IAsyncDisposable
{
    private static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(10);

    private readonly Genesis _genesis;
    private readonly int _self;
    private readonly IPEndPoint _listen;
    private readonly IReadOnlyList<string> _bootstrap;
    private readonly PeerMetrics _metrics;
    private readonly ILogger _logger;
    private readonly SecureTransport _transport;
    private readonly ConcurrentDictionary<int, Connection> _validators = new();
    private readonly ConcurrentDictionary<Guid, Connection> _observers = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _tasks = [];
    private SecureListener? _listener;

    private IPeerMessageHandler? _handler;
    private readonly TaskCompletionSource<string> _identityConflict = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _firstConflict;

    public PeerNetwork(Genesis genesis, ISigner identity, IPEndPoint listen, IReadOnlyList<string> bootstrap, bool allowObservers, PeerMetrics metrics, ILogger<PeerNetwork> logger)
    {
        _genesis = genesis;
        _self = genesis.Validators.FindByKey(identity.PublicKey)?.Index ?? -1;
        _listen = listen;
        _bootstrap = bootstrap;
        _metrics = metrics;
        _logger = logger;
        // The transport logs (and counts) failed handshakes itself, with the endpoint and reason as fields.
        _transport = new SecureTransport(genesis.ChainId, identity, PeerPolicy.ForValidators(genesis.Validators, allowObservers), logger) { Veto = IdentityInUse };
    }

    /// <summary>
    /// Completes (never faults) when this node finds that another live process holds its validator key: peers keep
    /// refusing it because the identity is already connected from elsewhere. The host then stops rather than fight that
    /// process for connections (and double-sign).
    /// </summary>
    public Task<string> IdentityConflict => _identityConflict.Task;

    public int ConnectedValidators => _validators.Count;

    public IReadOnlyList<PeerInfo> Peers =>
        [.. _validators.Values.Concat(_observers.Values).Select(c => c.Info())];

    public IPEndPoint? LocalEndPoint => _listener?.LocalEndPoint;

    /// <summary>Takes the content store's block exchange (<see cref="ContentWant"/>, <see cref="ContentBlocks"/>); those are dropped while unset.</summary>
    public IPeerMessageHandler? ContentHandler { get; set; }

    public void Start(IPeerMessageHandler handler)
    {
        if (Interlocked.CompareExchange(ref _handler, handler, null) is not null)
        {
            throw new InvalidOperationException("the peer network is already started");
        }

        // The transport's listener reuses the address, handshakes each connection off the accept loop and bounds
        // how many handshakes may be pending, so a flood of idle connections cannot exhaust the node.
        SecureListener listener = _transport.Listen(_listen);
        _listener = listener;
        _tasks.Add(Task.Run(() => AcceptLoopAsync(listener, _stop.Token)));
        foreach (Validator v in _genesis.Validators.All)
        {
            if (v.Index != _self && (_self < 0 || v.Index > _self))
            {
                _tasks.Add(Task.Run(() => DialLoopAsync(v.Address, v.PublicKey, v.Index, _stop.Token)));
            }
        }

        foreach (string address in _bootstrap)
        {
            if (!_genesis.Validators.All.Any(v => v.Address == address))
            {
                _tasks.Add(Task.Run(() => DialLoopAsync(address, null, -1, _stop.Token)));
            }
        }
    }

    public void Send(int validator, PeerMessage message)
    {
        if (_validators.TryGetValue(validator, out Connection? c))
        {
            c.Enqueue(message.ToBytes());
        }
    }

    public void Broadcast(PeerMessage message)
    {
        byte[] bytes = message.ToBytes();
        foreach (Connection c in _validators.Values)
        {
            c.Enqueue(bytes);
        }

        // Observers follow the chain: they get consensus traffic too, but no transaction gossip.
        if (message is not TransactionsGossip)
        {
            foreach (Connection c in _observers.Values)
            {
                c.Enqueue(bytes);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_listener is not null)
        {
            await _listener.DisposeAsync();
        }

        foreach (Connection c in _validators.Values.Concat(_observers.Values))
        {
            await c.DisposeAsync();
        }

        try
        {
            await Task.WhenAll(_tasks).WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutException or SocketException or ObjectDisposedException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptLoopAsync(SecureListener listener, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            SecureChannel channel;
            try
            {
                // Failed handshakes never surface here: the transport logs and counts them.
                channel = await listener.AcceptAsync(ct);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }

            // Each connection runs on its own so the next one can be accepted at once.
            _ = Task.Run(async () =>
            {
                try
                {
                    await RunConnectionAsync(channel, outbound: false, ct);
                }
                catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
                {
                }
            }, CancellationToken.None);
        }
    }

    private async Task DialLoopAsync(string address, PublicKey? expected, int validator, CancellationToken ct)
    {
        int attempt = 0;
        while (!ct.IsCancellationRequested)
        {
            if (validator >= 0 && _validators.ContainsKey(validator))
            {
                await Task.Delay(HeartbeatInterval, ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                continue;
            }

            try
            {
                EndPoint endPoint = await PeerAddress.Parse(address).ResolveAsync(ct);
                SecureChannel channel = await _transport.ConnectAsync(endPoint, expected, ct);
                attempt = 0;
                await RunConnectionAsync(channel, outbound: true, ct);
            }
            catch (HandshakeException ex) when (ex.Reason == HandshakeFailure.RefusedByPeer && ex.Detail.Contains(IdentityInUseText, StringComparison.Ordinal))
            {
                NoteIdentityConflict(address, ex.Detail);
            }
            catch (Exception ex) when (ex is HandshakeException or SocketException or IOException or PeerProtocolException or ObjectDisposedException or FormatException)
            {
                if (ex is not HandshakeException)
                {
                    LogDialFailed(address, ex.Message);
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }

            // Exponential backoff with ±25% jitter, capped at 5 s, so restarted clusters do not reconnect in lockstep.
            double delayMs = Math.Min(5000, 100 * Math.Pow(2, Math.Min(attempt++, 6)));
            delayMs *= 0.75 + (Random.Shared.NextDouble() * 0.5);
            await Task.Delay(TimeSpan.FromMilliseconds(delayMs), ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task RunConnectionAsync(SecureChannel channel, bool outbound, CancellationToken ct)
    {
        Validator? validator = _genesis.Validators.FindByKey(channel.RemoteIdentity);
        var connection = new Connection(channel, validator, outbound, _metrics);
        if (validator is not null)
        {
            if (_validators.TryRemove(validator.Index, out Connection? old))
            {
                // A reconnect replaces the stale connection.
                await old.DisposeAsync();
            }

            _validators[validator.Index] = connection;
            Interlocked.Exchange(ref _firstConflict, 0);
        }
        else
        {
            _observers[connection.Key] = connection;
        }

        LogConnected(connection.Id, channel.RemoteEndPoint.ToString(), channel.Role.ToString());
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct);
        Task writer = connection.RunWriterAsync(linked.Token);
        Task heartbeat = HeartbeatAsync(connection, linked.Token);
        try
        {
            await ReadLoopAsync(connection, linked.Token);
        }
        finally
        {
            await linked.CancelAsync();
            if (validator is not null)
            {
                _validators.TryRemove(new KeyValuePair<int, Connection>(validator.Index, connection));
            }
            else
            {
                _observers.TryRemove(connection.Key, out _);
            }

            await connection.DisposeAsync();
            await Task.WhenAll(writer, heartbeat).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            LogDisconnected(connection.Id);
        }
    }

    private async Task ReadLoopAsync(Connection connection, CancellationToken ct)
    {
        var info = new PeerConnectionInfo(connection.Validator?.Index ?? -1, connection.Id, connection.Channel.RemoteEndPoint.ToString(), m => connection.Enqueue(m.ToBytes()));
        int malformed = 0;
        while (!ct.IsCancellationRequested)
        {
            IMemoryOwner<byte>? payload;
            try
            {
                using var idle = CancellationTokenSource.CreateLinkedTokenSource(ct);
                idle.CancelAfter(IdleTimeout);
                payload = await connection.Channel.ReceiveAsync(idle.Token);
            }
            catch (PeerProtocolException ex)
            {
                _metrics.Failure("protocol_violation");
                LogProtocolViolation(connection.Id, ex.Message);
                return;
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException or SocketException)
            {
                return;
            }

            if (payload is null)
            {
                return;
            }

            _metrics.BytesReceived.Add(payload.Memory.Length);
            connection.Touch();
            PeerMessage message;
            try
            {
                // Decoding copies what it keeps, so the pooled buffer goes back as soon as the message is built.
                using (payload)
                {
                    message = PeerMessage.FromBytes(payload.Memory.Span);
                }
            }
            catch (CodecException ex)
            {
                _metrics.Failure("malformed_message");
                LogProtocolViolation(connection.Id, ex.Message);
                if (++malformed > 10)
                {
                    return;
                }

                continue;
            }

            switch (message)
            {
                case Ping p:
                    connection.Enqueue(new Pong(p.Nonce, p.SentTicks).ToBytes());
                    break;
                case Pong p:
                    connection.RecordRtt(p.SentTicks);
                    _metrics.PeerRtt.Record(connection.RttSeconds ?? 0, new KeyValuePair<string, object?>("peer", connection.Id));
                    break;
                case ContentWant or ContentBlocks:
                    if (ContentHandler is { } content)
                    {
                        await content.HandleAsync(info, message, ct);
                    }

                    break;
                default:
                    await _handler!.HandleAsync(info, message, ct);
                    break;
            }
        }
    }

    private static async Task HeartbeatAsync(Connection connection, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(HeartbeatInterval);
        ulong nonce = 0;
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                connection.Enqueue(new Ping(++nonce, System.Diagnostics.Stopwatch.GetTimestamp()).ToBytes());
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>The words every identity-in-use refusal contains; the refused node recognises its situation by them.</summary>
    internal const string IdentityInUseText = "is already connected from";

    /// <summary>
    /// A live connection (traffic within three heartbeats) already carries this validator's identity: a second process
    /// holds the key. A reconnect after a crash is not refused for long: the dead connection goes silent and the
    /// next attempt passes.
    /// </summary>
    private static readonly TimeSpan LiveWindow = 3 * HeartbeatInterval;

    /// <summary>How long a node keeps being refused as a duplicate, with no validator connection at all, before it gives up.</summary>
    private static readonly TimeSpan ConflictGrace = 2 * LiveWindow;

    private string? IdentityInUse(PublicKey remote)
    {
        Validator? v = _genesis.Validators.FindByKey(remote);
        if (v is null)
        {
            return null;
        }

        if (v.Index == _self)
        {
            LogOwnIdentity(v.Id);
            return $"identity of validator {v.Id} {IdentityInUseText} this node itself; another process holds this node's key";
        }

        return _validators.TryGetValue(v.Index, out Connection? live) && live.SeenWithin(LiveWindow)
            ? $"validator {v.Id} {IdentityInUseText} {live.Channel.RemoteEndPoint}; another process holds its key"
            : null;
    }

    private void NoteIdentityConflict(string address, string detail)
    {
        long now = System.Diagnostics.Stopwatch.GetTimestamp();
        long first = Interlocked.CompareExchange(ref _firstConflict, now, 0);
        if (first != 0 && _validators.IsEmpty && System.Diagnostics.Stopwatch.GetElapsedTime(first) > ConflictGrace)
        {
            _identityConflict.TrySetResult($"refusing to run as this validator: the peer at {address} says {detail}. Stop the other process or give this node its own key.");
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "a peer proved this node's own validator identity ({Validator}): another process holds this node's key")]
    private partial void LogOwnIdentity(string validator);

    [LoggerMessage(Level = LogLevel.Debug, Message = "p2p dial {Address} failed: {Reason}")]
    private partial void LogDialFailed(string address, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "peer {Peer} connected from {Endpoint} as {Role}")]
    private partial void LogConnected(string peer, string endpoint, string role);

    [LoggerMessage(Level = LogLevel.Information, Message = "peer {Peer} disconnected")]
    private partial void LogDisconnected(string peer);

    [LoggerMessage(Level = LogLevel.Warning, Message = "peer {Peer} broke the protocol: {Reason}")]
    private partial void LogProtocolViolation(string peer, string reason);
}
