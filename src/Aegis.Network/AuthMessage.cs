using Aegis.Core.Crypto;
using Aegis.Core.Encoding;

namespace Aegis.Network;

/// <summary>
/// The sealed AUTH message: bytes8 encoded identity key ‖ 64-byte signature over
/// "AEGIS/p2p/v1/auth/" ‖ role ‖ transcript hash. The transcript binds the signature to this session's ephemeral keys
/// and randoms, so it cannot be relayed into another session; the role stops one side's signature being reflected back
/// as the other's; the domain prefix keeps it apart from consensus sign bytes ("AEGIS/v1…") made with the same key.
/// </summary>
internal static class AuthMessage
{
    private static ReadOnlySpan<byte> Domain => "AEGIS/p2p/v1/auth/"u8;

    public static byte[] SignBytes(bool signedByInitiator, ReadOnlySpan<byte> transcriptHash) =>
        [.. Domain, .. signedByInitiator ? "initiator"u8 : "responder"u8, .. transcriptHash];

    public static byte[] Create(ISigner identity, bool initiator, ReadOnlySpan<byte> transcriptHash)
    {
        Span<byte> signature = stackalloc byte[Signature.Size];
        identity.Sign(SignBytes(initiator, transcriptHash), signature);
        var w = new CanonicalWriter(160);
        w.WriteBytes8(identity.PublicKey.Encode());
        w.WriteFixed(signature);
        return w.ToArray();
    }

    /// <summary>Decodes the peer's AUTH and checks its signature; returns the identity it proved.</summary>
    public static PublicKey Verify(ReadOnlySpan<byte> auth, bool signedByInitiator, ReadOnlySpan<byte> transcriptHash)
    {
        PublicKey key;
        ReadOnlySpan<byte> signature;
        try
        {
            var r = new CanonicalReader(auth);
            key = PublicKey.Decode(r.ReadBytes8("auth.identity"));
            signature = r.ReadFixed(Signature.Size, "auth.signature");
            r.EnsureEnd("auth");
        }
        catch (FormatException ex)
        {
            throw new HandshakeError(HandshakeFailure.MalformedMessage, $"malformed AUTH: {ex.Message}", ex);
        }

        if (!key.Verify(SignBytes(signedByInitiator, transcriptHash), signature))
        {
            throw new HandshakeError(HandshakeFailure.BadSignature, $"the identity signature of key {key.Fingerprint.ToShortString()} does not verify over this session's transcript");
        }

        return key;
    }
}
