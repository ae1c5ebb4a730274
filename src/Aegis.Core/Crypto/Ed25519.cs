using System.Security.Cryptography;
using Rfc8032 = Org.BouncyCastle.Math.EC.Rfc8032.Ed25519;

namespace Aegis.Core.Crypto;

/// <summary>Ed25519 (RFC 8032) identity keys through Portable.BouncyCastle's managed implementation; deterministic signatures.</summary>
public sealed class Ed25519Signer : ISigner
{
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
    public static Ed25519Signer Generate() => new(RandomNumberGenerator.GetBytes(Rfc8032.SecretKeySize));

    public static Ed25519Signer FromPrivateKey(ReadOnlySpan<byte> seed) =>
        seed.Length == Rfc8032.SecretKeySize ? new Ed25519Signer(seed.ToArray()) : throw new FormatException($"an Ed25519 private key is {Rfc8032.SecretKeySize} bytes, got {seed.Length}");

    public byte[] ExportPrivateKey() => (byte[])_seed.Clone();

    public void Sign(ReadOnlySpan<byte> message, Span<byte> signature)
    {
        byte[] m = message.ToArray();
        var sig = new byte[Rfc8032.SignatureSize];
        Rfc8032.Sign(_seed, 0, m, 0, m.Length, sig, 0);
        sig.CopyTo(signature);
    }
}

internal sealed class Ed25519Verifier(byte[] raw) : ISignatureVerifier
{
    public bool Verify(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        byte[] m = message.ToArray();
        return Rfc8032.Verify(signature.ToArray(), 0, raw, 0, m, 0, m.Length);
    }
}
