namespace Aegis.Core.Crypto;

// Placeholder replaced by the Ed25519 implementation (Portable.BouncyCastle).
internal sealed class Ed25519Verifier(byte[] raw) : ISignatureVerifier
{
    private readonly byte[] _raw = raw;

    public bool Verify(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature) =>
        throw new NotSupportedException($"Ed25519 not wired yet ({_raw.Length})");
}
