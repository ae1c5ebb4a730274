using Aegis.Core.Crypto;

namespace Aegis.Core.Tests.Crypto;

public class PublicKeyTests
{
    // The P-256 generator point, a key that is valid by construction.
    private const string GeneratorHex =
        "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296" + "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5";

    [Theory]
    [InlineData(KeyAlgorithm.EcdsaP256, "ecdsa-p256:")]
    [InlineData(KeyAlgorithm.Ed25519, "ed25519:")]
    public void Text_and_binary_forms_round_trip(KeyAlgorithm algorithm, string prefix)
    {
        PublicKey key = Signers.Generate(algorithm).PublicKey;

        string text = key.ToString();
        Assert.StartsWith(prefix, text, StringComparison.Ordinal);
        PublicKey parsed = PublicKey.Parse(text);
        Assert.Equal(key, parsed);
        Assert.Equal(key.GetHashCode(), parsed.GetHashCode());
        Assert.Equal(text, parsed.ToString());
        Assert.Equal(key.Fingerprint, parsed.Fingerprint);

        Assert.Equal(key, PublicKey.Decode(key.Encode()));
        Assert.Equal((byte)algorithm, key.Encode()[0]);
    }

    [Fact]
    public void Keys_of_different_algorithms_or_bytes_differ()
    {
        PublicKey a = Signers.Generate(KeyAlgorithm.Ed25519).PublicKey;
        PublicKey b = Signers.Generate(KeyAlgorithm.Ed25519).PublicKey;
        Assert.NotEqual(a, b);
        Assert.NotEqual(a.Fingerprint, b.Fingerprint);
        Assert.False(a.Equals(null));
    }

    [Fact]
    public void Bad_text_is_refused_with_the_reason()
    {
        Assert.Contains("unknown key algorithm 'rsa'", Assert.Throws<FormatException>(() => PublicKey.Parse("rsa:AAAA")).Message);
        Assert.Contains("algorithm:base64", Assert.Throws<FormatException>(() => PublicKey.Parse("AAAA")).Message);
        Assert.Contains("algorithm:base64", Assert.Throws<FormatException>(() => PublicKey.Parse(":AAAA")).Message);
        Assert.Contains("base64", Assert.Throws<FormatException>(() => PublicKey.Parse("ecdsa-p256:!!!")).Message);
        Assert.Contains("64 bytes, got 10", Assert.Throws<FormatException>(() => PublicKey.Parse("ecdsa-p256:" + Convert.ToBase64String(new byte[10]))).Message);
        Assert.Contains("32 bytes, got 64", Assert.Throws<FormatException>(() => PublicKey.Parse("ed25519:" + Convert.ToBase64String(new byte[64]))).Message);
        Assert.Throws<ArgumentNullException>(() => PublicKey.Parse(null!));
    }

    [Fact]
    public void A_P256_point_off_the_curve_is_refused()
    {
        byte[] generator = Convert.FromHexString(GeneratorHex);
        Assert.Equal(GeneratorHex, Convert.ToHexStringLower(PublicKey.FromBytes(KeyAlgorithm.EcdsaP256, generator).Bytes));

        byte[] offCurve = (byte[])generator.Clone();
        offCurve[63] ^= 1;
        Assert.Contains("not a valid ecdsa-p256 public key", Assert.Throws<FormatException>(() => PublicKey.FromBytes(KeyAlgorithm.EcdsaP256, offCurve)).Message);
        Assert.Contains("not a valid ecdsa-p256 public key", Assert.Throws<FormatException>(() => PublicKey.FromBytes(KeyAlgorithm.EcdsaP256, new byte[64])).Message);
        Assert.Throws<FormatException>(() => PublicKey.Parse("ecdsa-p256:" + Convert.ToBase64String(offCurve)));
    }

    [Fact]
    public void Binary_forms_with_an_unknown_algorithm_or_nothing_are_refused()
    {
        Assert.Contains("unknown key algorithm 7", Assert.Throws<FormatException>(() => PublicKey.Decode([7, .. new byte[32]])).Message);
        Assert.Contains("empty", Assert.Throws<FormatException>(() => PublicKey.Decode([])).Message);
    }
}
