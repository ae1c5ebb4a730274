using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Aegis.Core.Crypto;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Aegis.Network;

/// <summary>
/// Dials and accepts connections and runs the handshake on them, handing back open <see cref="SecureChannel"/>s.
/// Every failed handshake is counted in <c>aegis_auth_failures_total</c>, logged, raised as
/// <see cref="HandshakeFailed"/>, and its socket closed. Thread-safe; one instance serves a whole node.
/// </summary>
public sealed class SecureTransport
{
    public const string MeterName = "Aegis.Network";
    public const int DefaultMaxFrameBytes = 32 * 1024 * 1024;

    /// <summary>The longest a refused peer is given to read why before the socket is closed under it.</summary>
    private static readonly TimeSpan RefusalLinger = TimeSpan.FromSeconds(1);

    private readonly ISigner _identity;
    private readonly PeerAuthorizer _authorize;
    private readonly ILogger _logger;
    private readonly TimeSpan _handshakeTimeout = TimeSpan.FromSeconds(5);
    private readonly int _maxFrameBytes = DefaultMaxFrameBytes;

    /// <summary>Every value of aegis_auth_failures_total's <c>reason</c> label (one per <see cref="HandshakeFailure"/>).</summary>
    public static IReadOnlyList<string> AuthFailureReasons => NetworkMetrics.ReasonLabels;

    // Taken at construction so the counter is published (and exported at zero) before the first failed handshake.
    private readonly System.Diagnostics.Metrics.Counter<long> _authFailures = NetworkMetrics.AuthFailures;

    /// <param name="chainId">Peers on another chain are refused in HELLO.</param>
    /// <param name="identity">This node's long-term identity key, proven to every peer in AUTH.</param>
    /// <param name="authorize">Decides each proven peer's role, or refuses it (see <see cref="PeerPolicy"/>).</param>
    /// <param name="logger">Handshake and channel events; none if null.</param>
    public SecureTransport(string chainId, ISigner identity, PeerAuthorizer authorize, ILogger? logger = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(chainId);
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(authorize);
        if (System.Text.Encoding.UTF8.GetByteCount(chainId) > byte.MaxValue)
        {
            throw new ArgumentException($"the chain id is {System.Text.Encoding.UTF8.GetByteCount(chainId)} bytes of UTF-8; HELLO carries at most {byte.MaxValue}", nameof(chainId));
        }

        ChainId = chainId;
        _identity = identity;
        _authorize = authorize;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>Raised after a failed handshake has been counted and logged; handlers run on the handshake's task.</summary>
    public event EventHandler<HandshakeFailedEventArgs>? HandshakeFailed;

    public string ChainId { get; }

    public PublicKey Identity => _identity.PublicKey;

    /// <summary>How long a whole handshake (and, when dialing, the TCP connect before it) may take. Default 5 s.</summary>
    public TimeSpan HandshakeTimeout
    {
        get => _handshakeTimeout;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, TimeSpan.Zero);
            _handshakeTimeout = value;
        }
    }

    /// <summary>Consulted after the authorizer on every handshake this transport runs; see <see cref="PeerVeto"/>.</summary>
    public PeerVeto? Veto { get; init; }

    /// <summary>The largest sealed frame either side may send or accept, tag included. Default 32 MiB.</summary>
    public int MaxFrameBytes
    {
        get => _maxFrameBytes;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, SessionCipher.TagSize + 1);
            _maxFrameBytes = value;
        }
    }

    /// <summary>
    /// Dials <paramref name="endPoint"/> and runs the handshake as initiator. When <paramref name="expectedRemote"/> is
    /// set (dialing a known validator), a peer proving any other identity is refused. A TCP connect that fails or
    /// times out throws <see cref="SocketException"/> (not an authentication failure); a failed handshake throws
    /// <see cref="HandshakeException"/>.
    /// </summary>
    public async Task<SecureChannel> ConnectAsync(EndPoint endPoint, PublicKey? expectedRemote, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        Socket socket = endPoint is IPEndPoint ip ? new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp) : new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.NoDelay = true;
            using (var connectDeadline = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                connectDeadline.CancelAfter(_handshakeTimeout);
                try
                {
                    await socket.ConnectAsync(endPoint, connectDeadline.Token);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    throw new SocketException((int)SocketError.TimedOut);
                }
            }

            return await HandshakeAsync(socket, initiator: true, expectedRemote, ct);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Runs the handshake as responder on a socket the listener accepted, which it takes ownership of.</summary>
    internal async Task<SecureChannel> AcceptAsync(Socket socket, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(socket);
        try
        {
            socket.NoDelay = true;
            return await HandshakeAsync(socket, initiator: false, expectedRemote: null, ct);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Binds <paramref name="endPoint"/> (port 0 picks a free one) and accepts handshaken channels from it.</summary>
    public SecureListener Listen(IPEndPoint endPoint, int maxPendingHandshakes = SecureListener.DefaultMaxPendingHandshakes) =>
        new(this, endPoint, maxPendingHandshakes, _logger);

    private async Task<SecureChannel> HandshakeAsync(Socket socket, bool initiator, PublicKey? expectedRemote, CancellationToken ct)
    {
        long started = Stopwatch.GetTimestamp();
        var remote = (IPEndPoint)socket.RemoteEndPoint!;
        var stream = new NetworkStream(socket, ownsSocket: true);
        var reader = new FrameReader(stream);
        try
        {
            var settings = new HandshakeSettings(ChainId, _identity, _authorize, _handshakeTimeout, Veto);
            HandshakeResult session = await Handshake.RunAsync(stream, reader, settings, initiator, remote, expectedRemote, ct);
            _logger.HandshakeCompleted(Direction(initiator), remote, session.RemoteIdentity.Fingerprint.ToShortString(), session.Role, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            return new SecureChannel(stream, reader, session, remote, _maxFrameBytes, _logger);
        }
        catch (HandshakeException ex)
        {
            _authFailures.Add(1, new KeyValuePair<string, object?>("reason", NetworkMetrics.ReasonLabel(ex.Reason)));
            _logger.HandshakeFailed(Direction(initiator), remote, ex.Reason, ex.Detail);
            if (ex.PeerWasTold)
            {
                await LingerAsync(socket);
            }

            reader.Dispose();
            await stream.DisposeAsync();
            HandshakeFailed?.Invoke(this, new HandshakeFailedEventArgs(ex));
            throw;
        }
        catch
        {
            reader.Dispose();
            await stream.DisposeAsync();
            throw;
        }
    }

    private static string Direction(bool initiator) => initiator ? "outbound" : "inbound";

    /// <summary>
    /// After sending a refusal, half-closes and drains briefly: closing a socket with unread input sends a reset,
    /// which can destroy the refusal before the peer reads it.
    /// </summary>
    private static async Task LingerAsync(Socket socket)
    {
        byte[] sink = ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            socket.Shutdown(SocketShutdown.Send);
            using var deadline = new CancellationTokenSource(RefusalLinger);
            for (int drained = 0; drained < 64 * 1024;)
            {
                int n = await socket.ReceiveAsync(sink, SocketFlags.None, deadline.Token);
                if (n == 0)
                {
                    break;
                }

                drained += n;
            }
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(sink);
        }
    }
}
