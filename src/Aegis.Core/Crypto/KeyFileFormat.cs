using System.Security.Cryptography;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Aegis.Core.Crypto;

/// <summary>
/// The content of a node's identity key file: JSON with the algorithm, the private key and the public key (as a
/// cross-check). Pure bytes in and out; the file itself (mode 0600, atomic replace) is the host's business
/// (<c>Aegis.Node.Identity.KeyFile</c>), so Core touches no file system.
/// </summary>
public static class KeyFileFormat
{
    /// <summary>A key file is a few hundred bytes; a cap keeps a wrong path (a log, a disk image) from being read whole.</summary>
    public const long MaxBytes = 64 * 1024;

    // The relaxed encoder leaves '+' in base64 as is (the default writes \u002B): the file is read by people too.
    private static readonly KeyFileJsonContext Indented = new(new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

    /// <summary>The file's content for <paramref name="signer"/>'s key (UTF-8 JSON), the private key in the clear.</summary>
    public static byte[] Serialize(IExportableSigner signer) => Serialize(signer, null, [], []);

    /// <summary>
    /// The file's content with the private key sealed under <paramref name="passphrase"/> (<see cref="KeyFileEncryption"/>),
    /// never in the clear. <paramref name="salt"/> and <paramref name="nonce"/> are fresh randomness from the caller
    /// (<see cref="KeyFileEncryption.SaltBytes"/>, <see cref="KeyFileEncryption.NonceBytes"/>).
    /// </summary>
    public static byte[] SerializeSealed(IExportableSigner signer, string passphrase, byte[] salt, byte[] nonce)
    {
        ArgumentException.ThrowIfNullOrEmpty(passphrase);
        return Serialize(signer, passphrase, salt, nonce);
    }

    private static byte[] Serialize(IExportableSigner signer, string? passphrase, byte[] salt, byte[] nonce)
    {
        byte[] privateKey = signer.ExportPrivateKey();
        try
        {
            string algorithm = PublicKey.AlgorithmName(signer.PublicKey.Algorithm);
            var doc = new KeyFileDocument
            {
                Algorithm = algorithm,
                PrivateKey = passphrase is null ? Convert.ToBase64String(privateKey) : null,
                EncryptedPrivateKey = passphrase is null ? null : KeyFileEncryption.Seal(privateKey, passphrase, algorithm, signer.PublicKey.ToString(), salt, nonce),
                PublicKey = signer.PublicKey.ToString(),
            };
            return JsonSerializer.SerializeToUtf8Bytes(doc, Indented.KeyFileDocument);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(privateKey);
        }
    }

    /// <summary>
    /// Reads a key of either algorithm from a file's content. Every failure is a <see cref="FormatException"/> that
    /// names <paramref name="source"/> (the path) and the field. The caller owns the result (dispose it if it is <see cref="IDisposable"/>).
    /// An encrypted file needs <paramref name="passphrase"/> (AEGIS_ENCRYPTION_KEY); without it, or with the wrong one, a
    /// <see cref="FormatException"/> says so.
    /// </summary>
    public static IExportableSigner Parse(ReadOnlySpan<byte> content, string source, string? passphrase = null)
    {
        if (content.Length > MaxBytes)
        {
            throw new FormatException($"key file {source}: larger than {MaxBytes} bytes, not a key file");
        }

        KeyFileDocument? doc;
        try
        {
            doc = JsonSerializer.Deserialize(content, KeyFileJsonContext.Default.KeyFileDocument);
        }
        catch (JsonException ex)
        {
            throw new FormatException($"key file {source}: not valid key file JSON ({ex.Message})", ex);
        }

        if (doc is null)
        {
            throw new FormatException($"key file {source}: expected a JSON object with algorithm, private_key and public_key");
        }

        KeyAlgorithm algorithm = Field(source, "algorithm", () => PublicKey.ParseAlgorithm(doc.Algorithm ?? throw new FormatException("missing (ecdsa-p256 or ed25519)")));
        PublicKey recorded = Field(source, "public_key", () => PublicKey.Parse(doc.PublicKey ?? throw new FormatException("missing")));
        byte[] privateKey = doc.EncryptedPrivateKey is { } sealedKey
            ? string.IsNullOrEmpty(passphrase)
                ? throw new FormatException($"key file {source} is encrypted; set AEGIS_ENCRYPTION_KEY to its passphrase")
                : Field(source, "encrypted_private_key", () => KeyFileEncryption.Open(sealedKey, passphrase, doc.Algorithm!, doc.PublicKey!))
            : Field(source, "private_key", () => DecodeBase64(doc.PrivateKey));
        IExportableSigner signer;
        try
        {
            signer = Field(source, "private_key", () => Signers.FromPrivateKey(algorithm, privateKey));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(privateKey);
        }

        if (!signer.PublicKey.Equals(recorded))
        {
            (signer as IDisposable)?.Dispose();
            throw new FormatException($"key file {source}: public_key does not match private_key");
        }

        return signer;
    }

    private static T Field<T>(string source, string field, Func<T> parse)
    {
        try
        {
            return parse();
        }
        catch (FormatException ex)
        {
            throw new FormatException($"key file {source}: {field}: {ex.Message}", ex);
        }
    }

    private static byte[] DecodeBase64(string? text)
    {
        if (text is null)
        {
            throw new FormatException("missing");
        }

        try
        {
            return Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            throw new FormatException("not valid base64");
        }
    }
}
