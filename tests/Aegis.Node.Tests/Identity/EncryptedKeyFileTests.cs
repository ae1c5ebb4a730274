using System.Runtime.Versioning;
using System.Text.Json.Nodes;
using Aegis.Core.Crypto;
using Aegis.Node.Identity;

namespace Aegis.Node.Tests.Identity;

[UnsupportedOSPlatform("windows")]
public sealed class EncryptedKeyFileTests : IDisposable
{
    private const string Passphrase = "correct horse battery staple";

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "aegis-enckey-" + Guid.NewGuid().ToString("N")[..8]);

    private string KeyPath => Path.Combine(_dir, "node.key");

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Theory]
    [InlineData(KeyAlgorithm.EcdsaP256)]
    [InlineData(KeyAlgorithm.Ed25519)]
    public void An_encrypted_key_round_trips_with_its_passphrase_and_never_holds_the_private_key_in_the_clear(KeyAlgorithm algorithm)
    {
        IExportableSigner signer = Signers.Generate(algorithm);
        KeyFile.Write(KeyPath, signer, passphrase: Passphrase);

        string text = File.ReadAllText(KeyPath);
        Assert.DoesNotContain("\"private_key\"", text, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(signer.ExportPrivateKey()), text, StringComparison.Ordinal);
        Assert.Contains("\"kdf\": \"pbkdf2-sha256\"", text, StringComparison.Ordinal);

        IExportableSigner back = KeyFile.ReadSigner(KeyPath, Passphrase);
        Assert.Equal(signer.PublicKey, back.PublicKey);
        Assert.Equal(signer.ExportPrivateKey(), back.ExportPrivateKey());
    }

    [Fact]
    public void Without_the_passphrase_or_with_a_wrong_one_the_file_is_refused_with_a_clear_message()
    {
        KeyFile.Write(KeyPath, Signers.Generate(KeyAlgorithm.EcdsaP256), passphrase: Passphrase);

        Assert.Contains("is encrypted; set AEGIS_ENCRYPTION_KEY", Assert.Throws<FormatException>(() => KeyFile.ReadSigner(KeyPath)).Message, StringComparison.Ordinal);
        Assert.Contains("wrong AEGIS_ENCRYPTION_KEY", Assert.Throws<FormatException>(() => KeyFile.ReadSigner(KeyPath, "wrong")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Swapping_the_public_key_or_flipping_a_ciphertext_bit_is_detected()
    {
        KeyFile.Write(KeyPath, Signers.Generate(KeyAlgorithm.EcdsaP256), passphrase: Passphrase);
        JsonNode doc = JsonNode.Parse(File.ReadAllText(KeyPath))!;

        // Another key's public part: the associated data no longer matches, so decryption fails.
        JsonNode swapped = doc.DeepClone();
        swapped["public_key"] = Signers.Generate(KeyAlgorithm.EcdsaP256).PublicKey.ToString();
        File.WriteAllText(KeyPath, swapped.ToJsonString());
        Assert.Contains("cannot decrypt", Assert.Throws<FormatException>(() => KeyFile.ReadSigner(KeyPath, Passphrase)).Message, StringComparison.Ordinal);

        JsonNode flipped = doc.DeepClone();
        byte[] ciphertext = Convert.FromBase64String(flipped["encrypted_private_key"]!["ciphertext"]!.GetValue<string>());
        ciphertext[0] ^= 1;
        flipped["encrypted_private_key"]!["ciphertext"] = Convert.ToBase64String(ciphertext);
        File.WriteAllText(KeyPath, flipped.ToJsonString());
        Assert.Contains("cannot decrypt", Assert.Throws<FormatException>(() => KeyFile.ReadSigner(KeyPath, Passphrase)).Message, StringComparison.Ordinal);

        // A file claiming a trivially cheap KDF is refused before any work.
        JsonNode cheap = doc.DeepClone();
        cheap["encrypted_private_key"]!["iterations"] = 1;
        File.WriteAllText(KeyPath, cheap.ToJsonString());
        Assert.Contains("iterations", Assert.Throws<FormatException>(() => KeyFile.ReadSigner(KeyPath, Passphrase)).Message, StringComparison.Ordinal);
    }
}
