using Aegis.Network;

namespace Aegis.Fuzz.Targets;

/// <summary>
/// What a peer sends before and after the handshake: length-prefixed frames, HELLO, AUTH, READY, and the peer
/// messages inside an open channel. Clear errors: <see cref="PeerProtocolException"/> for framing and sealing,
/// <see cref="HandshakeError"/> for handshake messages, <see cref="FormatException"/> for message bodies.
/// </summary>
public static class P2pTargets
{
    private const int FrameCap = 64 * 1024;

    // A fixed transcript: AUTH verification must refuse every fuzzed signature over it without throwing anything else.
    private static readonly byte[] Transcript = System.Security.Cryptography.SHA256.HashData("aegis-fuzz-transcript"u8);

    public static IEnumerable<FuzzTarget> All =>
    [
        new("peer-message", "p2p", "PeerMessage.FromBytes (inside an open channel)", PeerMessageTarget),
        new("frame", "p2p", "FrameReader + SessionCipher.OpenInPlace + PeerMessage.FromBytes over a byte stream", Frames),
        new("hello", "p2p", "HelloMessage.Decode", Hello),
        new("auth", "p2p", "AuthMessage.Verify", Auth),
        new("ready", "p2p", "ReadyMessage.Check", Ready),
    ];

    private static void PeerMessageTarget(ReadOnlySpan<byte> input) =>
        _ = Canonical.Decode(input, PeerMessage.FromBytes, m => m.ToBytes(), m => $"peer message {m.Kind}");

    private static void Frames(ReadOnlySpan<byte> input)
    {
        using var stream = new MemoryStream(input.ToArray(), writable: false);
        using var reader = new FrameReader(stream);
        using var cipher = new SessionCipher(new byte[SessionCipher.KeySize]);
        try
        {
            // A MemoryStream completes every read synchronously, so this never blocks.
            while (reader.ReadAsync(FrameCap, CancellationToken.None).AsTask().GetAwaiter().GetResult() is { } frame)
            {
                using (frame)
                {
                    Decode(frame.Span);
                    try
                    {
                        cipher.OpenInPlace(frame.Span);
                    }
                    catch (PeerProtocolException ex)
                    {
                        FuzzOracleException.RequireMessage(ex);
                        return;
                    }
                }
            }
        }
        catch (PeerProtocolException ex)
        {
            FuzzOracleException.RequireMessage(ex);
        }

        static void Decode(ReadOnlySpan<byte> body)
        {
            try
            {
                _ = PeerMessage.FromBytes(body);
            }
            catch (FormatException ex)
            {
                FuzzOracleException.RequireMessage(ex);
            }
        }
    }

    private static void Hello(ReadOnlySpan<byte> input)
    {
        HelloMessage hello;
        try
        {
            hello = HelloMessage.Decode(input, Handshake.ProtocolVersion, FuzzChain.ChainId);
        }
        catch (HandshakeError ex)
        {
            FuzzOracleException.RequireMessage(ex);
            return;
        }

        FuzzOracleException.RequireSameBytes(input, hello.Encode(), "hello");
    }

    private static void Auth(ReadOnlySpan<byte> input)
    {
        Aegis.Core.Crypto.PublicKey proved;
        try
        {
            proved = AuthMessage.Verify(input, signedByInitiator: true, Transcript);
        }
        catch (HandshakeError ex)
        {
            FuzzOracleException.RequireMessage(ex);
            return;
        }

        // Only validator 0 ever signed this transcript (the seed); an AUTH proving any other key is a forgery.
        if (!proved.Equals(FuzzChain.Signer(0).PublicKey))
        {
            throw new FuzzOracleException($"auth: a fuzzed AUTH proved key {proved.Fingerprint.ToShortString()}, which never signed");
        }
    }

    /// <summary>A valid AUTH over <see cref="Transcript"/> by validator 0, for the seed corpus.</summary>
    public static byte[] AuthSeed() => AuthMessage.Create(FuzzChain.Signer(0), initiator: true, Transcript);

    private static void Ready(ReadOnlySpan<byte> input)
    {
        try
        {
            ReadyMessage.Check(input);
        }
        catch (HandshakeError ex)
        {
            FuzzOracleException.RequireMessage(ex);
            return;
        }

        if (!input.IsEmpty)
        {
            throw new FuzzOracleException($"ready: {input.Length} bytes accepted as READY (only the empty message is)");
        }
    }
}
