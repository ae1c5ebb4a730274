using System.Net;
using System.Security.Cryptography;
using Aegis.Core.Crypto;
using Aegis.Core.Encoding;

namespace Aegis.Network;

/// <summary>
/// HELLO → AUTH → READY. HELLO (plaintext) carries the protocol version, chain id and a fresh ephemeral P-256 key;
/// ECDH over the ephemeral keys and HKDF over the transcript give one AES-256-GCM key per direction (forward
/// secrecy: the ephemeral keys are discarded). AUTH (sealed) proves each side's long-term identity key by signing
/// the transcript with its role, so a signature cannot be replayed into another session. READY (sealed) confirms.
/// </summary>
internal static class Handshake
{
    public const ushort ProtocolVersion = 1;
    private const int MaxHandshakeFrame = 4096;
    private static readonly byte[] Magic = "AEGS"u8.ToArray();

    public sealed record Result(PublicKey RemoteIdentity, PeerRole Role, SessionCipher Send, SessionCipher Receive);

    public static async Task<Result> RunAsync(Stream stream, bool initiator, string chainId, ISigner identity, PeerAuthorizer authorize, PublicKey? expectedRemote, EndPoint? remote, CancellationToken ct)
    {
        using var ephemeral = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        byte[] nonce = RandomNumberGenerator.GetBytes(32);
        byte[] myHello = EncodeHello(chainId, ephemeral, nonce);

        byte[] theirHello;
        if (initiator)
        {
            await FrameIO.WriteAsync(stream, myHello, ct);
            theirHello = await ReadFrame(stream, "HELLO", remote, ct);
        }
        else
        {
            theirHello = await ReadFrame(stream, "HELLO", remote, ct);
            await FrameIO.WriteAsync(stream, myHello, ct);
        }

        ECDiffieHellmanPublicKey theirEphemeral = DecodeHello(theirHello, chainId, remote);
        byte[] transcript = SHA256.HashData(initiator ? [.. myHello, .. theirHello] : [.. theirHello, .. myHello]);
        byte[] secret;
        try
        {
            secret = ephemeral.DeriveRawSecretAgreement(theirEphemeral);
        }
        catch (CryptographicException ex)
        {
            throw new HandshakeException($"handshake with {remote}: bad ephemeral key ({ex.Message})", ex);
        }
        finally
        {
            theirEphemeral.Dispose();
        }

        byte[] keyIR = HKDF.DeriveKey(HashAlgorithmName.SHA256, secret, 32, transcript, "AEGIS p2p v1 initiator->responder"u8.ToArray());
        byte[] keyRI = HKDF.DeriveKey(HashAlgorithmName.SHA256, secret, 32, transcript, "AEGIS p2p v1 responder->initiator"u8.ToArray());
        CryptographicOperations.ZeroMemory(secret);
        var send = new SessionCipher(initiator ? keyIR : keyRI);
        var receive = new SessionCipher(initiator ? keyRI : keyIR);
        try
        {
            // AUTH: my identity and my signature over (my role, transcript).
            await FrameIO.WriteAsync(stream, send.Seal(EncodeAuth(identity, AuthMessage(initiator, transcript))), ct);
            byte[] auth = receive.Open(await ReadFrame(stream, "AUTH", remote, ct));
            PublicKey theirs = DecodeAuth(auth, AuthMessage(!initiator, transcript), remote);
            if (expectedRemote is not null && !expectedRemote.Equals(theirs))
            {
                throw new HandshakeException($"handshake with {remote}: expected validator key {expectedRemote.Fingerprint.ToShortString()}, peer proved {theirs.Fingerprint.ToShortString()}");
            }

            PeerRole role = authorize(theirs) ?? throw new HandshakeException($"handshake with {remote}: key {theirs.Fingerprint.ToShortString()} is not allowed to connect");

            await FrameIO.WriteAsync(stream, send.Seal([1]), ct);
            byte[] ready = receive.Open(await ReadFrame(stream, "READY", remote, ct));
            if (ready is not [1])
            {
                throw new HandshakeException($"handshake with {remote}: malformed READY");
            }

            return new Result(theirs, role, send, receive);
        }
        catch (PeerProtocolException ex)
        {
            send.Dispose();
            receive.Dispose();
            throw new HandshakeException($"handshake with {remote}: {ex.Message}", ex);
        }
        catch
        {
            send.Dispose();
            receive.Dispose();
            throw;
        }
    }

    private static async Task<byte[]> ReadFrame(Stream stream, string what, EndPoint? remote, CancellationToken ct)
    {
        try
        {
            return await FrameIO.ReadAsync(stream, MaxHandshakeFrame, ct) ?? throw new HandshakeException($"handshake with {remote}: connection closed before {what}");
        }
        catch (PeerProtocolException ex)
        {
            throw new HandshakeException($"handshake with {remote}: bad {what} frame: {ex.Message}", ex);
        }
        catch (IOException ex)
        {
            throw new HandshakeException($"handshake with {remote}: connection lost before {what}: {ex.Message}", ex);
        }
    }

    private static byte[] EncodeHello(string chainId, ECDiffieHellman ephemeral, byte[] nonce)
    {
        ECParameters p = ephemeral.ExportParameters(false);
        var w = new CanonicalWriter(160);
        w.WriteFixed(Magic);
        w.WriteU16(ProtocolVersion);
        w.WriteString8(chainId);
        w.WriteFixed(p.Q.X);
        w.WriteFixed(p.Q.Y);
        w.WriteFixed(nonce);
        return w.ToArray();
    }

    private static ECDiffieHellmanPublicKey DecodeHello(byte[] hello, string chainId, EndPoint? remote)
    {
        try
        {
            var r = new CanonicalReader(hello);
            if (!r.ReadFixed(4, "hello.magic").SequenceEqual(Magic))
            {
                throw new HandshakeException($"handshake with {remote}: not an AEGIS peer (bad magic)");
            }

            ushort version = r.ReadU16("hello.version");
            if (version != ProtocolVersion)
            {
                throw new HandshakeException($"handshake with {remote}: peer speaks protocol version {version}, we speak {ProtocolVersion}");
            }

            string theirChain = r.ReadString8("hello.chain_id");
            if (theirChain != chainId)
            {
                throw new HandshakeException($"handshake with {remote}: peer is on chain '{theirChain}', we are on '{chainId}'");
            }

            byte[] x = r.ReadFixed(32, "hello.ephemeral_x").ToArray();
            byte[] y = r.ReadFixed(32, "hello.ephemeral_y").ToArray();
            r.ReadFixed(32, "hello.nonce");
            r.EnsureEnd("hello");
            using var key = ECDiffieHellman.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, Q = new ECPoint { X = x, Y = y } });
            return key.PublicKey;
        }
        catch (CodecException ex)
        {
            throw new HandshakeException($"handshake with {remote}: malformed HELLO ({ex.Message})", ex);
        }
        catch (CryptographicException ex)
        {
            throw new HandshakeException($"handshake with {remote}: invalid ephemeral key ({ex.Message})", ex);
        }
    }

    private static byte[] AuthMessage(bool initiatorSigns, byte[] transcript) =>
        [.. "AEGIS p2p auth "u8, .. (initiatorSigns ? "initiator"u8 : "responder"u8), .. transcript];

    private static byte[] EncodeAuth(ISigner identity, byte[] message)
    {
        var signature = new byte[Signature.Size];
        identity.Sign(message, signature);
        var w = new CanonicalWriter(160);
        w.WriteBytes8(identity.PublicKey.Encode());
        w.WriteFixed(signature);
        return w.ToArray();
    }

    private static PublicKey DecodeAuth(byte[] auth, byte[] message, EndPoint? remote)
    {
        try
        {
            var r = new CanonicalReader(auth);
            PublicKey key = PublicKey.Decode(r.ReadBytes8("auth.identity"));
            byte[] signature = r.ReadFixed(Signature.Size, "auth.signature").ToArray();
            r.EnsureEnd("auth");
            return key.Verify(message, signature) ? key : throw new HandshakeException($"handshake with {remote}: identity signature does not verify");
        }
        catch (FormatException ex)
        {
            throw new HandshakeException($"handshake with {remote}: malformed AUTH ({ex.Message})", ex);
        }
    }
}
