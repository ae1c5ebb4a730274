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

    /// <summary>The file's content for <paramref name="signer"/>'s key (UTF-8 JSON).</summary>
    public static byte[] Serialize(IExportableSigner signer)
    {
        byte[] privateKey = signer.ExportPrivateKey();
        try
        {
            var doc = new KeyFileDocument
            {
                Algorithm = PublicKey.AlgorithmName(signer.PublicKey.Algorithm),
                PrivateKey = Convert.ToBase64String(privateKey),
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
    /// </summary>
    public static IExportableSigner Parse(ReadOnlySpan<byte> content, string source)
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
        byte[] privateKey = Field(source, "private_key", () => DecodeBase64(doc.PrivateKey));
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
