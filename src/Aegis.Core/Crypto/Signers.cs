namespace Aegis.Core.Crypto;

/// <summary>The one way to make a signer when the algorithm is data (a key file, a CLI flag) rather than code.</summary>
public static class Signers
{
    public static IExportableSigner Generate(KeyAlgorithm algorithm) => algorithm switch
    {
        KeyAlgorithm.EcdsaP256 => EcdsaP256Signer.Generate(),
        KeyAlgorithm.Ed25519 => Ed25519Signer.Generate(),
        _ => throw UnknownAlgorithm(algorithm),
    };

    /// <summary>Imports a raw private key; <see cref="FormatException"/> when it has the wrong length or is not a valid key.</summary>
    public static IExportableSigner FromPrivateKey(KeyAlgorithm algorithm, ReadOnlySpan<byte> privateKey) => algorithm switch
    {
        KeyAlgorithm.EcdsaP256 => EcdsaP256Signer.FromPrivateKey(privateKey),
        KeyAlgorithm.Ed25519 => Ed25519Signer.FromPrivateKey(privateKey),
        _ => throw UnknownAlgorithm(algorithm),
    };

    private static ArgumentOutOfRangeException UnknownAlgorithm(KeyAlgorithm algorithm) =>
        new(nameof(algorithm), algorithm, $"unknown key algorithm {(byte)algorithm}");
}
