using System.Runtime.Versioning;
using Aegis.Core.Crypto;
using Aegis.Node.Identity;

namespace Aegis.Node.Tests.Identity;

[UnsupportedOSPlatform("windows")]
public sealed class KeyFileTests : IDisposable
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "aegis-key-" + Guid.NewGuid().ToString("N")[..8]);

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
    public void A_key_round_trips_through_a_file_created_with_mode_0600(KeyAlgorithm algorithm)
    {
        IExportableSigner signer = Signers.Generate(algorithm);
        KeyFile.Write(KeyPath, signer);

        Assert.Equal(OwnerOnly, File.GetUnixFileMode(KeyPath));
        IExportableSigner back = KeyFile.ReadSigner(KeyPath);
        Assert.Equal(signer.PublicKey, back.PublicKey);
        Assert.Equal(signer.ExportPrivateKey(), back.ExportPrivateKey());

        // No temporary file is left next to the key.
        Assert.Equal([KeyPath], Directory.GetFiles(_dir));
    }

    [Fact]
    public void The_file_is_the_documented_json()
    {
        // 0xfb bytes encode as "+/v7..." in base64, so the file must show a '+' unescaped.
        IExportableSigner signer = Signers.FromPrivateKey(KeyAlgorithm.Ed25519, Enumerable.Repeat((byte)0xfb, 32).ToArray());
        KeyFile.Write(KeyPath, signer);

        string text = File.ReadAllText(KeyPath);
        Assert.Contains("\"private_key\": \"+/v7", text, StringComparison.Ordinal);
        using var doc = System.Text.Json.JsonDocument.Parse(text);
        Assert.Equal("ed25519", doc.RootElement.GetProperty("algorithm").GetString());
        Assert.Equal(Convert.ToBase64String(signer.ExportPrivateKey()), doc.RootElement.GetProperty("private_key").GetString());
        Assert.Equal(signer.PublicKey.ToString(), doc.RootElement.GetProperty("public_key").GetString());
    }

    [Fact]
    public void The_ecdsa_typed_Read_returns_a_P256_signer_and_refuses_an_ed25519_file()
    {
        using EcdsaP256Signer signer = EcdsaP256Signer.Generate();
        KeyFile.Write(KeyPath, signer);
        using (EcdsaP256Signer back = KeyFile.Read(KeyPath))
        {
            Assert.Equal(signer.PublicKey, back.PublicKey);
        }

        KeyFile.Write(KeyPath, Signers.Generate(KeyAlgorithm.Ed25519), overwrite: true);
        FormatException ex = Assert.Throws<FormatException>(() => KeyFile.Read(KeyPath));
        Assert.Contains(KeyPath, ex.Message, StringComparison.Ordinal);
        Assert.Contains("ed25519", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_existing_file_is_not_overwritten_unless_asked()
    {
        IExportableSigner first = Signers.Generate(KeyAlgorithm.Ed25519);
        IExportableSigner second = Signers.Generate(KeyAlgorithm.EcdsaP256);
        KeyFile.Write(KeyPath, first);

        IOException ex = Assert.Throws<IOException>(() => KeyFile.Write(KeyPath, second));
        Assert.Contains(KeyPath, ex.Message, StringComparison.Ordinal);
        Assert.Equal(first.PublicKey, KeyFile.ReadSigner(KeyPath).PublicKey);
        Assert.Equal([KeyPath], Directory.GetFiles(_dir));

        // Overwriting replaces the file, so even a previously loose mode ends up 0600.
        File.SetUnixFileMode(KeyPath, OwnerOnly | UnixFileMode.OtherRead);
        KeyFile.Write(KeyPath, second, overwrite: true);
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(KeyPath));
        Assert.Equal(second.PublicKey, KeyFile.ReadSigner(KeyPath).PublicKey);
    }

    [Fact]
    public void A_missing_file_is_named()
    {
        FileNotFoundException ex = Assert.Throws<FileNotFoundException>(() => KeyFile.ReadSigner(KeyPath));
        Assert.Contains(KeyPath, ex.Message, StringComparison.Ordinal);
        Assert.Contains("aegis keygen", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(UnixFileMode.GroupRead)]
    [InlineData(UnixFileMode.OtherRead)]
    [InlineData(UnixFileMode.OtherWrite)]
    [InlineData(UnixFileMode.GroupExecute)]
    public void A_file_others_can_access_is_refused_like_ssh_does(UnixFileMode extra)
    {
        KeyFile.Write(KeyPath, Signers.Generate(KeyAlgorithm.Ed25519));
        File.SetUnixFileMode(KeyPath, OwnerOnly | extra);

        UnauthorizedAccessException ex = Assert.Throws<UnauthorizedAccessException>(() => KeyFile.ReadSigner(KeyPath));
        Assert.Contains($"chmod 600 {KeyPath}", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(KeyAlgorithm.EcdsaP256)]
    [InlineData(KeyAlgorithm.Ed25519)]
    public void A_public_key_that_does_not_match_the_private_key_is_refused(KeyAlgorithm algorithm)
    {
        IExportableSigner signer = Signers.Generate(algorithm);
        IExportableSigner other = Signers.Generate(algorithm);
        WriteJson(PublicKey.AlgorithmName(algorithm), Convert.ToBase64String(signer.ExportPrivateKey()), other.PublicKey.ToString());

        Assert.Equal($"key file {KeyPath}: public_key does not match private_key", Assert.Throws<FormatException>(() => KeyFile.ReadSigner(KeyPath)).Message);
    }

    [Fact]
    public void Corrupt_json_is_refused_with_the_file_named()
    {
        WriteRaw("{ not json");
        FormatException ex = Assert.Throws<FormatException>(() => KeyFile.ReadSigner(KeyPath));
        Assert.StartsWith($"key file {KeyPath}: not valid key file JSON", ex.Message, StringComparison.Ordinal);

        WriteRaw("null");
        Assert.Contains(KeyPath, Assert.Throws<FormatException>(() => KeyFile.ReadSigner(KeyPath)).Message);

        WriteRaw("""{"algorithm": 1}""");
        Assert.Contains(KeyPath, Assert.Throws<FormatException>(() => KeyFile.ReadSigner(KeyPath)).Message);
    }

    [Fact]
    public void Each_bad_field_is_named()
    {
        IExportableSigner signer = Signers.Generate(KeyAlgorithm.Ed25519);
        string privateKey = Convert.ToBase64String(signer.ExportPrivateKey());
        string publicKey = signer.PublicKey.ToString();

        Assert.Equal($"key file {KeyPath}: algorithm: unknown key algorithm 'rsa' (expected ecdsa-p256 or ed25519)", ReadError(() => WriteJson("rsa", privateKey, publicKey)));
        Assert.Equal($"key file {KeyPath}: algorithm: missing (ecdsa-p256 or ed25519)", ReadError(() => WriteJson(null, privateKey, publicKey)));
        Assert.Equal($"key file {KeyPath}: private_key: missing", ReadError(() => WriteJson("ed25519", null, publicKey)));
        Assert.Equal($"key file {KeyPath}: private_key: not valid base64", ReadError(() => WriteJson("ed25519", "!!!", publicKey)));
        Assert.Equal($"key file {KeyPath}: private_key: an Ed25519 private key is 32 bytes, got 31", ReadError(() => WriteJson("ed25519", Convert.ToBase64String(new byte[31]), publicKey)));
        Assert.Equal($"key file {KeyPath}: public_key: missing", ReadError(() => WriteJson("ed25519", privateKey, null)));
        Assert.StartsWith($"key file {KeyPath}: public_key: ", ReadError(() => WriteJson("ed25519", privateKey, "ed25519:!!!")), StringComparison.Ordinal);

        // The algorithm field and the key must agree: an Ed25519 seed read as a P-256 scalar is a different key.
        Assert.Equal($"key file {KeyPath}: public_key does not match private_key", ReadError(() => WriteJson("ecdsa-p256", privateKey, publicKey)));
    }

    private string ReadError(Action write)
    {
        write();
        return Assert.Throws<FormatException>(() => KeyFile.ReadSigner(KeyPath)).Message;
    }

    private void WriteJson(string? algorithm, string? privateKey, string? publicKey)
    {
        var fields = new Dictionary<string, string?> { ["algorithm"] = algorithm, ["private_key"] = privateKey, ["public_key"] = publicKey };
        WriteRaw(System.Text.Json.JsonSerializer.Serialize(fields.Where(f => f.Value is not null).ToDictionary()));
    }

    private void WriteRaw(string text)
    {
        Directory.CreateDirectory(_dir);
        File.WriteAllText(KeyPath, text);
        File.SetUnixFileMode(KeyPath, OwnerOnly);
    }
}
