using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Aegis.Core.Crypto;

/// <summary>
/// A node's identity key on disk: JSON with the algorithm, the private key and the public key (as a cross-check),
/// written atomically with mode 0600. The one place in Aegis.Core that touches the file system: key files are
/// operator artefacts read once at startup, never consensus input.
/// </summary>
public static class KeyFile
{
    public static void Write(string path, EcdsaP256Signer signer, bool overwrite = false)
    {
        if (File.Exists(path) && !overwrite)
        {
            throw new IOException($"key file {path} already exists; refusing to overwrite an identity");
        }

        var doc = new KeyFileDocument
        {
            Algorithm = PublicKey.AlgorithmName(signer.PublicKey.Algorithm),
            PrivateKey = Convert.ToBase64String(signer.ExportPrivateKey()),
            PublicKey = signer.PublicKey.ToString(),
        };
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null)
        {
            Directory.CreateDirectory(dir);
        }

        string temp = path + ".tmp-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temp, options))
        {
            JsonSerializer.Serialize(stream, doc, KeyFileJsonContext.Default.KeyFileDocument);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite);
    }

    public static EcdsaP256Signer Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"key file {path} not found (create one with 'aegis keygen --out {path}')", path);
        }

        if (!OperatingSystem.IsWindows())
        {
            UnixFileMode mode = File.GetUnixFileMode(path);
            if ((mode & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite)) != 0)
            {
                throw new UnauthorizedAccessException($"key file {path} is readable by other users; run 'chmod 600 {path}'");
            }
        }

        KeyFileDocument? doc;
        try
        {
            doc = JsonSerializer.Deserialize(File.ReadAllText(path), KeyFileJsonContext.Default.KeyFileDocument);
        }
        catch (JsonException ex)
        {
            throw new FormatException($"key file {path}: not valid JSON ({ex.Message})", ex);
        }

        if (doc?.Algorithm != "ecdsa-p256" || doc.PrivateKey is null)
        {
            throw new FormatException($"key file {path}: expected algorithm ecdsa-p256 and a private_key");
        }

        EcdsaP256Signer signer;
        try
        {
            signer = EcdsaP256Signer.FromPrivateKey(Convert.FromBase64String(doc.PrivateKey));
        }
        catch (Exception ex) when (ex is FormatException or CryptographicException)
        {
            throw new FormatException($"key file {path}: private_key is not a valid P-256 key ({ex.Message})", ex);
        }

        if (doc.PublicKey is not null && doc.PublicKey != signer.PublicKey.ToString())
        {
            signer.Dispose();
            throw new FormatException($"key file {path}: public_key does not match private_key");
        }

        return signer;
    }
}

internal sealed class KeyFileDocument
{
    [JsonPropertyName("algorithm")]
    public string? Algorithm { get; set; }

    [JsonPropertyName("private_key")]
    public string? PrivateKey { get; set; }

    [JsonPropertyName("public_key")]
    public string? PublicKey { get; set; }
}

[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(KeyFileDocument))]
internal sealed partial class KeyFileJsonContext : JsonSerializerContext;
