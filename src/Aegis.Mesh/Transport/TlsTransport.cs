using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Aegis.Mesh.Engine;
using Microsoft.Extensions.Logging;

namespace Aegis.Mesh.Transport;

/// <summary>
/// The TCP fallback: TLS 1.3 on listen_port (443), chosen when UDP does not get through. TLS here is camouflage and a
/// way through middleboxes, not the authentication: the Noise handshake inside the link authenticates both ends, so the
/// server certificate is a throwaway self-signed one for the configured SNI and the client does not check it.
///
/// Stealth mode makes the connection look like ordinary HTTPS to an observer and to an active prober: the client sends
/// a WebSocket upgrade request for the SNI's host, the server answers 101 and the mesh frames follow; anything else that
/// connects (a browser, a scanner) gets an ordinary small web page and the connection closes.
/// </summary>
public sealed class TlsTransport : ILinkDialer, IDisposable
{
    internal const string UpgradePath = "/aegisray/v1";
    private static readonly byte[] PlainMagic = "AEGISRAY/1\n"u8.ToArray();

    private readonly TlsOptions _options;
    private readonly ILogger _log;
    private readonly Func<MeshEngine> _engine;
    private readonly CancellationToken _stopping;
    private readonly X509Certificate2? _serverCertificate;
    private TcpListener? _listener;

    public TlsTransport(TlsOptions options, Func<MeshEngine> engine, ILogger log, CancellationToken stopping)
    {
        _options = options;
        _engine = engine;
        _log = log;
        _stopping = stopping;
        if (options.UseTls)
        {
            _serverCertificate = SelfSigned(options.Sni);
        }
    }

    public void Listen(IPAddress address, int port)
    {
        _listener = new TcpListener(address, port);
        _listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _listener.Start(512);
        _ = Task.Run(AcceptLoopAsync);
    }

    public void Dial(UdpEndpoint tcpEndpoint) => _ = Task.Run(() => DialAsync(tcpEndpoint));

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5359", Justification = "Authentication is the Noise handshake carried inside the link, checked against the mesh CA.")]
    private async Task DialAsync(UdpEndpoint endpoint)
    {
        var client = new TcpClient { NoDelay = true };
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping);
            timeout.CancelAfter(TimeSpan.FromSeconds(4));
            await client.ConnectAsync(endpoint.ToIPEndPoint(), timeout.Token).ConfigureAwait(false);
            Stream stream = client.GetStream();
            if (_options.UseTls)
            {
                var tls = new SslStream(stream, leaveInnerStreamOpen: false, AcceptAnyServer);
                await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
                {
                    TargetHost = _options.Sni,
                    EnabledSslProtocols = SslProtocols.Tls13,
                    ApplicationProtocols = [SslApplicationProtocol.Http11],
                }, timeout.Token).ConfigureAwait(false);
                stream = tls;
            }

            if (_options.Stealth)
            {
                string key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
                string request = $"GET {UpgradePath} HTTP/1.1\r\nHost: {_options.Sni}\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n";
                await stream.WriteAsync(Encoding.ASCII.GetBytes(request), timeout.Token).ConfigureAwait(false);
                string? status = await ReadHeadAsync(stream, timeout.Token).ConfigureAwait(false);
                if (status is null || !status.StartsWith("HTTP/1.1 101", StringComparison.Ordinal))
                {
                    throw new IOException($"the server did not accept the upgrade ({status?.Split('\r')[0] ?? "no answer"})");
                }
            }
            else
            {
                await stream.WriteAsync(PlainMagic, timeout.Token).ConfigureAwait(false);
            }

            Start(new TlsLink(stream, endpoint), endpoint);
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or AuthenticationException)
        {
            client.Dispose();
            TransportLog.DialFailed(_log, endpoint.ToString(), ex.Message);
            _engine().OnLinkFailed(endpoint);
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener!.AcceptTcpClientAsync(_stopping).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            client.NoDelay = true;
            _ = Task.Run(() => AcceptAsync(client));
        }
    }

    private async Task AcceptAsync(TcpClient client)
    {
        var remote = (IPEndPoint)client.Client.RemoteEndPoint!;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            Stream stream = client.GetStream();
            if (_options.UseTls)
            {
                var tls = new SslStream(stream, leaveInnerStreamOpen: false);
                await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                {
                    ServerCertificate = _serverCertificate,
                    EnabledSslProtocols = SslProtocols.Tls13,
                    ApplicationProtocols = [SslApplicationProtocol.Http11],
                }, timeout.Token).ConfigureAwait(false);
                stream = tls;
            }

            if (_options.Stealth)
            {
                string? head = await ReadHeadAsync(stream, timeout.Token).ConfigureAwait(false);
                if (head is null || !head.StartsWith($"GET {UpgradePath} HTTP/1.1", StringComparison.Ordinal) || !head.Contains("Upgrade: websocket", StringComparison.OrdinalIgnoreCase))
                {
                    // Not one of ours: look like the web server an observer expects to find behind this name.
                    await stream.WriteAsync(Encoding.ASCII.GetBytes(OrdinaryPage()), timeout.Token).ConfigureAwait(false);
                    await stream.FlushAsync(timeout.Token).ConfigureAwait(false);
                    client.Dispose();
                    return;
                }

                await stream.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nServer: nginx\r\n\r\n"), timeout.Token).ConfigureAwait(false);
            }
            else
            {
                var magic = new byte[PlainMagic.Length];
                await stream.ReadExactlyAsync(magic, timeout.Token).ConfigureAwait(false);
                if (!magic.AsSpan().SequenceEqual(PlainMagic))
                {
                    client.Dispose();
                    return;
                }
            }

            Start(new TlsLink(stream, UdpEndpoint.From(remote)), null);
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or AuthenticationException)
        {
            client.Dispose();
            TransportLog.AcceptFailed(_log, remote.ToString(), ex.Message);
        }
    }

    private void Start(TlsLink link, UdpEndpoint? dialled)
    {
        MeshEngine engine = _engine();
        var buffers = new DataBuffers();
        link.Closed += l => engine.OnLinkDown(l);
        engine.OnLinkUp(link, dialled);
        _ = Task.Run(() => link.RunAsync((l, frame) =>
        {
            engine.OnUnderlayPacket(frame.Span, PacketSource.FromLink(l), buffers);
            engine.FlushUdp();
        }, _stopping));
    }

    /// <summary>Reads an HTTP head (up to the blank line, at most 8 KiB) byte by byte, so no frame bytes after it are consumed.</summary>
    private static async Task<string?> ReadHeadAsync(Stream stream, CancellationToken ct)
    {
        var head = new StringBuilder();
        var one = new byte[1];
        while (head.Length < 8192)
        {
            if (await stream.ReadAsync(one, ct).ConfigureAwait(false) == 0)
            {
                return null;
            }

            head.Append((char)one[0]);
            if (head.Length >= 4 && head[^1] == '\n' && head[^2] == '\r' && head[^3] == '\n' && head[^4] == '\r')
            {
                return head.ToString();
            }
        }

        return null;
    }

    private string OrdinaryPage()
    {
        const string body = "<!DOCTYPE html>\n<html><head><title>Welcome</title></head><body><h1>Welcome</h1><p>It works.</p></body></html>\n";
        return $"HTTP/1.1 200 OK\r\nServer: nginx\r\nDate: {DateTime.UtcNow:R}\r\nContent-Type: text/html\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}";
    }

    // The Noise handshake inside the link authenticates the peer against the mesh CA; the TLS certificate is camouflage.
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5359", Justification = "Authentication is the Noise handshake carried inside the link, checked against the mesh CA.")]
    private static bool AcceptAnyServer(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors) => true;

    private static X509Certificate2 SelfSigned(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(name);
        request.CertificateExtensions.Add(san.Build());
        using X509Certificate2 cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(90));
        // SslStream on Linux wants the key in an exportable, loadable form.
        return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pkcs12), null);
    }

    public void Dispose()
    {
        _listener?.Stop();
        _serverCertificate?.Dispose();
    }
}

public sealed record TlsOptions(bool UseTls, bool Stealth, string Sni);

internal static partial class TransportLog
{
    [LoggerMessage(EventId = 7101, Level = LogLevel.Debug, Message = "tls link to {Endpoint} failed: {Reason}")]
    public static partial void DialFailed(ILogger logger, string endpoint, string reason);

    [LoggerMessage(EventId = 7102, Level = LogLevel.Debug, Message = "tls connection from {Remote} refused: {Reason}")]
    public static partial void AcceptFailed(ILogger logger, string remote, string reason);
}
