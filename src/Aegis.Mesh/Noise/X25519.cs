using System.Security.Cryptography;
using NSec.Cryptography;

namespace Aegis.Mesh.Noise;

/// <summary>An X25519 key pair (libsodium through NSec): the Noise DH function "25519" (spec §12.1).</summary>
public sealed class X25519KeyPair : IDisposable
{
    public const int Size = 32;

    private readonly Key _key;

    private X25519KeyPair(Key key)
    {
        _key = key;
        PublicKey = key.PublicKey.Export(KeyBlobFormat.RawPublicKey);
    }

    public byte[] PublicKey { get; }

    public static X25519KeyPair Generate() => new(Key.Create(KeyAgreementAlgorithm.X25519, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport }));

    /// <summary>Imports a raw 32-byte private key; <see cref="FormatException"/> when it has the wrong size.</summary>
    public static X25519KeyPair FromPrivateKey(ReadOnlySpan<byte> privateKey)
    {
        if (privateKey.Length != Size)
        {
            throw new FormatException($"an X25519 private key is {Size} bytes, got {privateKey.Length}");
        }

        return new X25519KeyPair(Key.Import(KeyAgreementAlgorithm.X25519, privateKey, KeyBlobFormat.RawPrivateKey, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport }));
    }

    public byte[] ExportPrivateKey() => _key.Export(KeyBlobFormat.RawPrivateKey);

    /// <summary>
    /// DH(self, remote). Throws <see cref="CryptographicException"/> for a public key of small order, whose shared secret
    /// would be all zeros (libsodium refuses it), so a peer cannot force a known key.
    /// </summary>
    public byte[] Agree(ReadOnlySpan<byte> remotePublicKey)
    {
        if (remotePublicKey.Length != Size)
        {
            throw new CryptographicException($"an X25519 public key is {Size} bytes, got {remotePublicKey.Length}");
        }

        NSec.Cryptography.PublicKey remote = NSec.Cryptography.PublicKey.Import(KeyAgreementAlgorithm.X25519, remotePublicKey, KeyBlobFormat.RawPublicKey);
        using SharedSecret? secret = KeyAgreementAlgorithm.X25519.Agree(_key, remote, new SharedSecretCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport });
        return secret?.Export(SharedSecretBlobFormat.RawSharedSecret) ?? throw new CryptographicException("X25519: the peer's public key has small order");
    }

    public void Dispose() => _key.Dispose();
}
