using System.Security.Cryptography;
using Rfc8032 = Org.BouncyCastle.Math.EC.Rfc8032.Ed25519;

namespace Aegis.Core.Crypto;

/// <summary>Ed25519 (RFC 8032) identity keys through Portable.BouncyCastle's managed implementation; deterministic signatures.</summary>
public sealed class Ed25519Signer : IExportableSigner
{
    /// <summary>The private key is the 32-byte RFC 8032 seed; the expanded scalar is re-derived per signature, which keeps nothing else secret in memory.</summary>
    public const int PrivateKeySize = 32;

    private readonly byte[] _seed;

    private Ed25519Signer(byte[] seed)
    {
        _seed = seed;
        var publicKey = new byte[Rfc8032.PublicKeySize];
        Rfc8032.GeneratePublicKey(seed, 0, publicKey, 0);
        PublicKey = PublicKey.FromBytes(KeyAlgorithm.Ed25519, publicKey);
    }

    public PublicKey PublicKey { get; }

    /// <summary>Key generation is an operator action, not consensus input, so the platform RNG is fine here.</summary>
#pragma warning disable RS0030 // Key generation needs the OS's randomness; a new key is never consensus input (BannedSymbols.txt).
    public static Ed25519Signer Generate() => new(RandomNumberGenerator.GetBytes(PrivateKeySize));
#pragma warning restore RS0030

    public static Ed25519Signer FromPrivateKey(ReadOnlySpan<byte> seed) =>
        seed.Length == PrivateKeySize ? new Ed25519Signer(seed.ToArray()) : throw new FormatException($"an Ed25519 private key is {PrivateKeySize} bytes, got {seed.Length}");

    public byte[] ExportPrivateKey() => (byte[])_seed.Clone();

    public void Sign(ReadOnlySpan<byte> message, Span<byte> signature)
    {
        if (signature.Length != Signature.Size)
        {
            throw new ArgumentException($"a signature is {Signature.Size} bytes, got a {signature.Length}-byte buffer", nameof(signature));
        }

        // BouncyCastle 1.8 has array-only APIs; the static Sign keeps no shared mutable state, so concurrent calls are safe.
        byte[] m = message.ToArray();
        var sig = new byte[Rfc8032.SignatureSize];
        Rfc8032.Sign(_seed, 0, m, 0, m.Length, sig, 0);
        sig.CopyTo(signature);
    }
}

/// <summary>
/// Verifies with BouncyCastle's strict cofactorless check (canonical R, S &lt; L, so signatures are not malleable).
/// Stateless, hence thread-safe.
/// </summary>
internal sealed class Ed25519Verifier : ISignatureVerifier
{
    private readonly byte[] _raw;

    public Ed25519Verifier(byte[] raw)
    {
        // Full validation (on the curve, canonical encoding, prime order) costs about one verification and runs only when a
        // key is read from genesis or a handshake. It keeps out small-order keys, for which one signature verifies for every
        // message, so whoever registered such a key could disown anything "signed" with it.
        if (raw.Length != Rfc8032.PublicKeySize || !Rfc8032.ValidatePublicKeyFull(raw, 0))
        {
            throw new CryptographicException("not a point of prime order on the Ed25519 curve");
        }

        _raw = raw;
    }

    public bool Verify(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        if (signature.Length != Rfc8032.SignatureSize)
        {
            return false;
        }

        byte[] m = message.ToArray();
        return Rfc8032.Verify(signature.ToArray(), 0, _raw, 0, m, 0, m.Length);
    }
}
