using System.Security.Cryptography;

namespace Aegis.Network;

/// <summary>
/// ECDH over the two ephemeral P-256 keys, then HKDF-SHA256 with the transcript hash as salt and one info label per
/// direction: two independent AES-256-GCM keys, so neither side can ever encrypt under the other's nonce sequence.
/// </summary>
internal static class SessionKeys
{
    private static ReadOnlySpan<byte> InitiatorToResponder => "AEGIS/p2p/v1/key/initiator->responder"u8;

    private static ReadOnlySpan<byte> ResponderToInitiator => "AEGIS/p2p/v1/key/responder->initiator"u8;

    public static ECDiffieHellman CreateEphemeral() => ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);

    /// <summary>The 65-byte SEC1 uncompressed encoding 0x04 ‖ X ‖ Y.</summary>
    public static byte[] EncodePublic(ECDiffieHellman key)
    {
        ECParameters p = key.ExportParameters(includePrivateParameters: false);
        return [0x04, .. p.Q.X!, .. p.Q.Y!];
    }

    /// <summary>Derives (send, receive) ciphers for this side. Throws <see cref="HandshakeError"/> if the peer's key is not on the curve.</summary>
    public static (SessionCipher Send, SessionCipher Receive) Derive(ECDiffieHellman mine, ReadOnlySpan<byte> theirPublic, ReadOnlySpan<byte> transcriptHash, bool initiator)
    {
        byte[] secret;
        try
        {
            // Importing validates that the point lies on P-256, which defeats invalid-curve attacks on our ephemeral key.
            using ECDiffieHellman theirs = ECDiffieHellman.Create(new ECParameters
            {
                Curve = ECCurve.NamedCurves.nistP256,
                Q = new ECPoint { X = theirPublic.Slice(1, 32).ToArray(), Y = theirPublic.Slice(33, 32).ToArray() },
            });
            using ECDiffieHellmanPublicKey theirKey = theirs.PublicKey;
            secret = mine.DeriveRawSecretAgreement(theirKey);
        }
        catch (CryptographicException ex)
        {
            throw new HandshakeError(HandshakeFailure.MalformedMessage, $"the peer's ephemeral key is not a valid P-256 point ({ex.Message})", ex);
        }

        Span<byte> keyIR = stackalloc byte[SessionCipher.KeySize];
        Span<byte> keyRI = stackalloc byte[SessionCipher.KeySize];
        try
        {
            HKDF.DeriveKey(HashAlgorithmName.SHA256, secret, keyIR, transcriptHash, InitiatorToResponder);
            HKDF.DeriveKey(HashAlgorithmName.SHA256, secret, keyRI, transcriptHash, ResponderToInitiator);
            var send = new SessionCipher(initiator ? keyIR : keyRI);
            var receive = new SessionCipher(initiator ? keyRI : keyIR);
            return (send, receive);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
            CryptographicOperations.ZeroMemory(keyIR);
            CryptographicOperations.ZeroMemory(keyRI);
        }
    }

    /// <summary>SHA-256(initiator HELLO ‖ responder HELLO): both sides compute the same value whatever the arrival order.</summary>
    public static byte[] TranscriptHash(ReadOnlySpan<byte> initiatorHello, ReadOnlySpan<byte> responderHello)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(initiatorHello);
        sha.AppendData(responderHello);
        return sha.GetHashAndReset();
    }
}
