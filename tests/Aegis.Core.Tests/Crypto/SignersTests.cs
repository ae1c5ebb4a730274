using Aegis.Core.Crypto;

namespace Aegis.Core.Tests.Crypto;

public class SignersTests
{
    [Theory]
    [InlineData(KeyAlgorithm.EcdsaP256)]
    [InlineData(KeyAlgorithm.Ed25519)]
    public void An_exported_private_key_imports_to_the_same_identity(KeyAlgorithm algorithm)
    {
        IExportableSigner signer = Signers.Generate(algorithm);
        byte[] privateKey = signer.ExportPrivateKey();
        // Both schemes keep 32 bytes: the P-256 scalar d, or the Ed25519 seed.
        Assert.Equal(32, privateKey.Length);
        Assert.Equal(algorithm, signer.PublicKey.Algorithm);

        IExportableSigner back = Signers.FromPrivateKey(algorithm, privateKey);
        Assert.Equal(signer.PublicKey, back.PublicKey);
        Assert.Equal(privateKey, back.ExportPrivateKey());
    }

    [Fact]
    public void The_P256_scalar_one_gives_the_curve_generator()
    {
        var one = new byte[32];
        one[31] = 1;
        IExportableSigner signer = Signers.FromPrivateKey(KeyAlgorithm.EcdsaP256, one);
        Assert.Equal(
            "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296" + "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5",
            Convert.ToHexStringLower(signer.PublicKey.Bytes));
    }

    [Theory]
    [InlineData(KeyAlgorithm.EcdsaP256)]
    [InlineData(KeyAlgorithm.Ed25519)]
    public void Private_keys_of_the_wrong_length_are_a_format_error(KeyAlgorithm algorithm)
    {
        Assert.Contains("32 bytes, got 16", Assert.Throws<FormatException>(() => Signers.FromPrivateKey(algorithm, new byte[16])).Message);
    }

    [Fact]
    public void A_P256_scalar_outside_the_group_is_a_format_error()
    {
        Assert.Throws<FormatException>(() => Signers.FromPrivateKey(KeyAlgorithm.EcdsaP256, new byte[32]));
        Assert.Throws<FormatException>(() => Signers.FromPrivateKey(KeyAlgorithm.EcdsaP256, Enumerable.Repeat((byte)0xff, 32).ToArray()));
    }

    [Fact]
    public void Unknown_algorithms_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Signers.Generate((KeyAlgorithm)9));
        Assert.Throws<ArgumentOutOfRangeException>(() => Signers.FromPrivateKey((KeyAlgorithm)9, new byte[32]));
    }
}
