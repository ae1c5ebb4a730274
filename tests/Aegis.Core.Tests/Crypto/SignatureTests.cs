using Aegis.Core.Crypto;

namespace Aegis.Core.Tests.Crypto;

public class SignatureTests
{
    [Fact]
    public void Ed25519_matches_the_RFC_8032_test_vector()
    {
        // RFC 8032 section 7.1, TEST 1 (empty message).
        Ed25519Signer signer = Ed25519Signer.FromPrivateKey(Convert.FromHexString("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"));
        Assert.Equal("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", Convert.ToHexStringLower(signer.PublicKey.Bytes));
        var signature = new byte[Signature.Size];
        signer.Sign([], signature);
        Assert.Equal("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b", Convert.ToHexStringLower(signature));
        Assert.True(signer.PublicKey.Verify([], signature));
    }

    [Theory]
    [InlineData(KeyAlgorithm.EcdsaP256)]
    [InlineData(KeyAlgorithm.Ed25519)]
    public void Signatures_verify_and_any_flipped_bit_or_wrong_length_fails(KeyAlgorithm algorithm)
    {
        ISigner signer = algorithm == KeyAlgorithm.EcdsaP256 ? EcdsaP256Signer.Generate() : Ed25519Signer.Generate();
        byte[] message = "block 42"u8.ToArray();
        var signature = new byte[Signature.Size];
        signer.Sign(message, signature);

        Assert.True(signer.PublicKey.Verify(message, signature));
        byte[] flipped = (byte[])signature.Clone();
        flipped[5] ^= 0x10;
        Assert.False(signer.PublicKey.Verify(message, flipped));
        Assert.False(signer.PublicKey.Verify("block 43"u8, signature));
        Assert.False(signer.PublicKey.Verify(message, signature.AsSpan(0, 63)));

        PublicKey parsed = PublicKey.Parse(signer.PublicKey.ToString());
        Assert.Equal(signer.PublicKey, parsed);
        Assert.True(parsed.Verify(message, signature));
    }

    [Fact]
    public void Bad_public_keys_are_refused_with_the_reason()
    {
        Assert.Contains("unknown key algorithm", Assert.Throws<FormatException>(() => PublicKey.Parse("rsa:AAAA")).Message);
        Assert.Contains("base64", Assert.Throws<FormatException>(() => PublicKey.Parse("ecdsa-p256:!!!")).Message);
        Assert.Contains("64 bytes", Assert.Throws<FormatException>(() => PublicKey.Parse("ecdsa-p256:" + Convert.ToBase64String(new byte[10]))).Message);
        Assert.Contains("not a valid", Assert.Throws<FormatException>(() => PublicKey.FromBytes(KeyAlgorithm.EcdsaP256, new byte[64])).Message);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Key_files_round_trip_with_mode_0600_refuse_overwrite_and_reject_tampering()
    {
        string dir = Path.Combine(Path.GetTempPath(), "aegis-key-" + Guid.NewGuid().ToString("N")[..8]);
        string path = Path.Combine(dir, "node.key");
        try
        {
            using EcdsaP256Signer signer = EcdsaP256Signer.Generate();
            KeyFile.Write(path, signer);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            using (EcdsaP256Signer back = KeyFile.Read(path))
            {
                Assert.Equal(signer.PublicKey, back.PublicKey);
            }

            Assert.Throws<IOException>(() => KeyFile.Write(path, signer));

            using EcdsaP256Signer other = EcdsaP256Signer.Generate();
            string privateKey = Convert.ToBase64String(signer.ExportPrivateKey());
            File.WriteAllText(path, $"{{\"algorithm\":\"ecdsa-p256\",\"private_key\":\"{privateKey}\",\"public_key\":\"{other.PublicKey}\"}}");
            Assert.Contains("does not match", Assert.Throws<FormatException>(() => KeyFile.Read(path)).Message);

            File.WriteAllText(path, "{ not json");
            Assert.Contains(path, Assert.Throws<FormatException>(() => KeyFile.Read(path)).Message);

            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
            Assert.Contains("chmod 600", Assert.Throws<UnauthorizedAccessException>(() => KeyFile.Read(path)).Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
