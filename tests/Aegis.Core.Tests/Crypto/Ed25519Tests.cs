using System.Numerics;
using Aegis.Core.Crypto;

namespace Aegis.Core.Tests.Crypto;

public class Ed25519Tests
{
    [Theory]
    // RFC 8032 section 7.1, TEST 1 (empty message) and TEST 2 (one byte).
    [InlineData(
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b")]
    [InlineData(
        "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00")]
    public void Matches_the_RFC_8032_test_vectors(string secret, string expectedPublic, string message, string expectedSignature)
    {
        Ed25519Signer signer = Ed25519Signer.FromPrivateKey(Convert.FromHexString(secret));
        Assert.Equal(expectedPublic, Convert.ToHexStringLower(signer.PublicKey.Bytes));

        var signature = new byte[Signature.Size];
        signer.Sign(Convert.FromHexString(message), signature);
        Assert.Equal(expectedSignature, Convert.ToHexStringLower(signature));

        PublicKey verifier = PublicKey.FromBytes(KeyAlgorithm.Ed25519, Convert.FromHexString(expectedPublic));
        Assert.True(verifier.Verify(Convert.FromHexString(message), Convert.FromHexString(expectedSignature)));
    }

    [Fact]
    public void Signatures_are_deterministic()
    {
        Ed25519Signer signer = Ed25519Signer.Generate();
        var first = new byte[Signature.Size];
        var second = new byte[Signature.Size];
        signer.Sign("vote"u8, first);
        signer.Sign("vote"u8, second);
        Assert.Equal(first, second);
    }

    [Fact]
    public void A_signature_with_S_plus_the_group_order_is_refused()
    {
        // Without the S < L check the same (message, key) would have a second valid signature: malleability.
        Ed25519Signer signer = Ed25519Signer.Generate();
        var signature = new byte[Signature.Size];
        signer.Sign("block 7"u8, signature);

        BigInteger order = BigInteger.Pow(2, 252) + BigInteger.Parse("27742317777372353535851937790883648493", System.Globalization.CultureInfo.InvariantCulture);
        BigInteger s = new(signature.AsSpan(32), isUnsigned: true, isBigEndian: false);
        byte[] malleated = (byte[])signature.Clone();
        Assert.True((s + order).TryWriteBytes(malleated.AsSpan(32), out _, isUnsigned: true, isBigEndian: false));

        Assert.True(signer.PublicKey.Verify("block 7"u8, signature));
        Assert.False(signer.PublicKey.Verify("block 7"u8, malleated));
    }

    [Theory]
    [InlineData("0100000000000000000000000000000000000000000000000000000000000000")] // the neutral element
    [InlineData("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")] // a point of order 2
    [InlineData("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a")] // a point of order 8
    [InlineData("0300000000000000000000000000000000000000000000000000000000000000")] // a point with a small-order component
    [InlineData("0200000000000000000000000000000000000000000000000000000000000000")] // y = 2 is not on the curve
    [InlineData("ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")] // y >= p is not a canonical encoding
    public void Keys_that_are_not_prime_order_points_are_refused(string hex)
    {
        FormatException ex = Assert.Throws<FormatException>(() => PublicKey.FromBytes(KeyAlgorithm.Ed25519, Convert.FromHexString(hex)));
        Assert.Contains("not a valid ed25519 public key", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Private_keys_of_the_wrong_length_are_refused()
    {
        Assert.Contains("32 bytes, got 31", Assert.Throws<FormatException>(() => Ed25519Signer.FromPrivateKey(new byte[31])).Message);
        Assert.Throws<FormatException>(() => Ed25519Signer.FromPrivateKey(new byte[64]));
    }
}
