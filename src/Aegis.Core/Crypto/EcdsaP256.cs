using System.Security.Cryptography;

namespace Aegis.Core.Crypto;

/// <summary>ECDSA P-256 private key backed by the platform (OpenSSL on Linux).</summary>
public sealed class EcdsaP256Signer : IExportableSigner, IDisposable
{
    /// <summary>The private key is the 32-byte big-endian scalar d.</summary>
    public const int PrivateKeySize = 32;

    private readonly ECDsa _key;
    private readonly Lock _lock = new();

    private EcdsaP256Signer(ECDsa key)
    {
        _key = key;
        ECParameters p = key.ExportParameters(includePrivateParameters: false);
        var raw = new byte[64];
        p.Q.X!.CopyTo(raw, 0);
        p.Q.Y!.CopyTo(raw, 32);
        PublicKey = PublicKey.FromBytes(KeyAlgorithm.EcdsaP256, raw);
    }

    public PublicKey PublicKey { get; }

    public static EcdsaP256Signer Generate() => new(ECDsa.Create(ECCurve.NamedCurves.nistP256));

    /// <summary>Imports the 32-byte private scalar.</summary>
    public static EcdsaP256Signer FromPrivateKey(ReadOnlySpan<byte> d)
    {
        if (d.Length != PrivateKeySize)
        {
            throw new FormatException($"a P-256 private key is {PrivateKeySize} bytes, got {d.Length}");
        }

        try
        {
            // The platform derives Q from d and rejects d = 0 or d >= n.
            var key = ECDsa.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, D = d.ToArray() });
            return new EcdsaP256Signer(key);
        }
        catch (CryptographicException ex)
        {
            throw new FormatException($"not a valid P-256 private key: {ex.Message}", ex);
        }
    }

    public byte[] ExportPrivateKey() => _key.ExportParameters(includePrivateParameters: true).D!;

    public void Sign(ReadOnlySpan<byte> message, Span<byte> signature)
    {
        if (signature.Length != Signature.Size)
        {
            throw new ArgumentException($"a signature is {Signature.Size} bytes, got a {signature.Length}-byte buffer", nameof(signature));
        }

        // ECDsa instances are not documented as thread-safe; signing is rare next to verifying, so a lock is cheap here.
        lock (_lock)
        {
            if (!_key.TrySignData(message, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation, out int written) || written != Signature.Size)
            {
                throw new CryptographicException("P-256 signing failed");
            }
        }
    }

    public void Dispose() => _key.Dispose();
}

[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "Lives as long as its PublicKey, which validators keep for the process lifetime.")]
internal sealed class EcdsaP256Verifier : ISignatureVerifier
{
    private readonly ECParameters _parameters;

    // One platform key object per thread: verification runs in parallel on the receive path.
    private readonly ThreadLocal<ECDsa> _perThread;

    public EcdsaP256Verifier(byte[] raw)
    {
        _parameters = new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = raw[..32], Y = raw[32..] },
        };
        _parameters.Validate();
        using (ECDsa probe = ECDsa.Create(_parameters))
        {
            // Import validates that the point is on the curve.
        }

        _perThread = new ThreadLocal<ECDsa>(() => ECDsa.Create(_parameters));
    }

    public bool Verify(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature) =>
        _perThread.Value!.VerifyData(message, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
}
