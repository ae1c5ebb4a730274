using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Aegis.Core.Crypto;

namespace Aegis.Network;

/// <summary>
/// HELLO → AUTH → READY for one connection. Both sides send HELLO (plaintext) at once; ECDH over the ephemeral keys
/// and HKDF over the transcript give the session keys; AUTH (sealed) proves each side's identity key over the
/// transcript; the authorization policy picks the peer's role; READY (sealed, empty) opens the channel, or a sealed
/// refusal tells the peer why not. Every failure becomes a <see cref="HandshakeException"/> naming the endpoint.
/// </summary>
internal sealed class Handshake
{
    public const ushort ProtocolVersion = 1;

    /// <summary>Handshake frames are a few hundred bytes; anything longer is not a handshake and is never allocated.</summary>
    public const int MaxFrameBytes = 1024;

    private readonly Stream _stream;
    private readonly FrameReader _reader;
    private readonly HandshakeSettings _settings;
    private readonly bool _initiator;
    private readonly EndPoint? _remote;
    private readonly PublicKey? _expected;
    private string _awaiting = "HELLO";

    private Handshake(Stream stream, FrameReader reader, HandshakeSettings settings, bool initiator, EndPoint? remote, PublicKey? expected)
    {
        _stream = stream;
        _reader = reader;
        _settings = settings;
        _initiator = initiator;
        _remote = remote;
        _expected = expected;
    }

    /// <summary>Runs the handshake within the settings' timeout. <paramref name="expected"/> pins the identity an outbound dial must reach.</summary>
    public static Task<HandshakeResult> RunAsync(Stream stream, FrameReader reader, HandshakeSettings settings, bool initiator, EndPoint? remote, PublicKey? expected, CancellationToken ct) =>
        new Handshake(stream, reader, settings, initiator, remote, expected).RunAsync(ct);

    private async Task<HandshakeResult> RunAsync(CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(_settings.Timeout);
        try
        {
            return await ExchangeAsync(deadline.Token);
        }
        catch (HandshakeError ex)
        {
            throw new HandshakeException(ex.Reason, _remote, _initiator, ex.Message, ex.InnerException) { PeerWasTold = ex.PeerWasTold };
        }
        catch (PeerProtocolException ex)
        {
            string detail = _awaiting == "HELLO" ? $"the first frame is not an AEGIS HELLO: {ex.Message}" : $"bad {_awaiting} frame: {ex.Message}";
            throw new HandshakeException(HandshakeFailure.ProtocolViolation, _remote, _initiator, detail, ex);
        }
        catch (OperationCanceledException ex) when (!ct.IsCancellationRequested)
        {
            throw new HandshakeException(HandshakeFailure.Timeout, _remote, _initiator, $"timed out after {_settings.Timeout.TotalSeconds:0.###} s waiting for {_awaiting}", ex);
        }
        catch (Exception ex) when (ex is IOException or SocketException)
        {
            throw new HandshakeException(HandshakeFailure.ConnectionLost, _remote, _initiator, $"connection lost while waiting for {_awaiting}: {ex.Message}", ex);
        }
    }

    private async Task<HandshakeResult> ExchangeAsync(CancellationToken ct)
    {
        // The ephemeral key lives only for this exchange: once it is gone, recorded traffic cannot be decrypted even
        // with both identity keys (forward secrecy).
        using ECDiffieHellman ephemeral = SessionKeys.CreateEphemeral();
        byte[] myHello = new HelloMessage(ProtocolVersion, _settings.ChainId, SessionKeys.EncodePublic(ephemeral), RandomNumberGenerator.GetBytes(HelloMessage.RandomSize)).Encode();

        // Both sides speak first, so each one can name a version or chain mismatch itself instead of seeing a bare close.
        await FrameWriter.WritePlainAsync(_stream, myHello, ct);
        using PooledBuffer theirHello = await ReadFrameAsync(ct);
        HelloMessage hello = HelloMessage.Decode(theirHello.Span, ProtocolVersion, _settings.ChainId);
        byte[] transcript = _initiator ? SessionKeys.TranscriptHash(myHello, theirHello.Span) : SessionKeys.TranscriptHash(theirHello.Span, myHello);
        (SessionCipher send, SessionCipher receive) = SessionKeys.Derive(ephemeral, hello.EphemeralKey, transcript, _initiator);
        try
        {
            _awaiting = "AUTH";
            await FrameWriter.WriteSealedAsync(_stream, send, AuthMessage.Create(_settings.Identity, _initiator, transcript), ct);
            PublicKey remote = await ReceiveAuthAsync(receive, transcript, ct);
            if (_expected is not null && !_expected.Equals(remote))
            {
                await RefuseAsync(send, HandshakeFailure.UnexpectedIdentity, $"dialed expecting identity {_expected.Fingerprint.ToShortString()}, the peer proved identity {remote.Fingerprint.ToShortString()}", ct);
            }

            PeerRole role = _settings.Authorize(remote)
                ?? await RefuseAsync(send, HandshakeFailure.Unauthorized, $"identity {remote.Fingerprint.ToShortString()} is not allowed to connect by this node's peer policy", ct);
            if (_settings.Veto?.Invoke(remote) is { } veto)
            {
                await RefuseAsync(send, HandshakeFailure.Unauthorized, veto, ct);
            }

            _awaiting = "READY";
            await FrameWriter.WriteSealedAsync(_stream, send, ReadyMessage.Ready, ct);
            using (PooledBuffer ready = await ReadFrameAsync(ct))
            {
                ReadyMessage.Check(ready.Span[..receive.OpenInPlace(ready.Span)]);
            }

            return new HandshakeResult(remote, role, send, receive);
        }
        catch
        {
            send.Dispose();
            receive.Dispose();
            throw;
        }
    }

    private async Task<PublicKey> ReceiveAuthAsync(SessionCipher receive, byte[] transcript, CancellationToken ct)
    {
        using PooledBuffer auth = await ReadFrameAsync(ct);
        int length;
        try
        {
            length = receive.OpenInPlace(auth.Span);
        }
        catch (PeerProtocolException ex)
        {
            throw new HandshakeError(HandshakeFailure.BadSignature, "AUTH failed to decrypt: the peer derived other session keys (a man in the middle, or an altered HELLO)", ex);
        }

        return AuthMessage.Verify(auth.Span[..length], signedByInitiator: !_initiator, transcript);
    }

    /// <summary>Tells the peer why it is refused (it has proven its identity, so the reason is no secret), then fails.</summary>
    private async Task<PeerRole> RefuseAsync(SessionCipher send, HandshakeFailure reason, string detail, CancellationToken ct)
    {
        await FrameWriter.WriteSealedAsync(_stream, send, ReadyMessage.Refusal(detail), ct);
        throw new HandshakeError(reason, detail) { PeerWasTold = true };
    }

    private async ValueTask<PooledBuffer> ReadFrameAsync(CancellationToken ct) =>
        await _reader.ReadAsync(MaxFrameBytes, ct) ?? throw new HandshakeError(HandshakeFailure.ConnectionLost, $"the peer closed the connection before its {_awaiting}");
}
