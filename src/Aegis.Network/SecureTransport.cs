using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using Aegis.Core.Crypto;

namespace Aegis.Network;

/// <summary>Dials and accepts handshaken <see cref="SecureChannel"/>s; counts failed handshakes in aegis_auth_failures_total.</summary>
public sealed class SecureTransport
{
    public const string MeterName = "Aegis.Network";
    public const int DefaultMaxFrameBytes = 32 * 1024 * 1024;

    private static readonly Meter NetworkMeter = new(MeterName);
    private static readonly Counter<long> AuthFailures = NetworkMeter.CreateCounter<long>("aegis_auth_failures_total", description: "Failed P2P handshakes (bad version, chain, key, signature or protocol)");

    private readonly string _chainId;
    private readonly ISigner _identity;
    private readonly PeerAuthorizer _authorize;

    public SecureTransport(string chainId, ISigner identity, PeerAuthorizer authorize)
    {
        _chainId = chainId;
        _identity = identity;
        _authorize = authorize;
    }

    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(5);

    public int MaxFrameBytes { get; init; } = DefaultMaxFrameBytes;

    /// <summary>Raised with the reason whenever a handshake fails (after counting it).</summary>
    public event Action<string>? HandshakeFailed;

    public async Task<SecureChannel> ConnectAsync(EndPoint endPoint, PublicKey? expectedRemote, CancellationToken ct)
    {
        var client = new TcpClient { NoDelay = true };
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(HandshakeTimeout);
            await client.ConnectAsync((IPEndPoint)endPoint, timeout.Token);
            return await HandshakeAsync(client, initiator: true, expectedRemote, timeout.Token, ct);
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    public async Task<SecureChannel> AcceptAsync(TcpClient client, CancellationToken ct)
    {
        client.NoDelay = true;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(HandshakeTimeout);
        try
        {
            return await HandshakeAsync(client, initiator: false, expectedRemote: null, timeout.Token, ct);
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    private async Task<SecureChannel> HandshakeAsync(TcpClient client, bool initiator, PublicKey? expectedRemote, CancellationToken timeoutToken, CancellationToken outer)
    {
        EndPoint? remote = client.Client.RemoteEndPoint;
        NetworkStream stream = client.GetStream();
        try
        {
            Handshake.Result result = await Handshake.RunAsync(stream, initiator, _chainId, _identity, _authorize, expectedRemote, remote, timeoutToken);
            return new SecureChannel(client, stream, result, MaxFrameBytes);
        }
        catch (HandshakeException ex)
        {
            Fail(ex.Message);
            throw;
        }
        catch (OperationCanceledException) when (!outer.IsCancellationRequested)
        {
            string reason = $"handshake with {remote}: timed out after {HandshakeTimeout.TotalSeconds:0.#}s";
            Fail(reason);
            throw new HandshakeException(reason);
        }
        catch (IOException ex)
        {
            string reason = $"handshake with {remote}: {ex.Message}";
            Fail(reason);
            throw new HandshakeException(reason, ex);
        }
    }

    private void Fail(string reason)
    {
        AuthFailures.Add(1);
        HandshakeFailed?.Invoke(reason);
    }
}
