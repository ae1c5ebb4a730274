using System.Security.Cryptography;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Aegis.Core.Crypto;

/// <summary>
/// A node's identity key on disk: JSON with the algorithm, the private key and the public key (as a cross-check),
/// written atomically with mode 0600. The one place in Aegis.Core that touches the file system: key files are
/// operator artefacts read once at startup, never consensus input.
/// </summary>
public static class KeyFile
{
    // A key file is a few hundred bytes; a cap keeps a wrong path (a log, a disk image) from being read whole.
    private const long MaxFileSize = 64 * 1024;

    // Like ssh: any permission for group or others on a private key is refused, not just read.
    private const UnixFileMode GroupOrOther =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>
    /// Writes <paramref name="signer"/>'s key to <paramref name="path"/> (mode 0600 from creation, then an atomic rename, so the
    /// file is never briefly readable by others and never half-written). Refuses to replace an existing file unless
    /// <paramref name="overwrite"/>: overwriting a key file destroys that identity.
    /// </summary>
    /// <remarks>With a <paramref name="passphrase"/> the private key is stored sealed (<see cref="KeyFileEncryption"/>), never in the clear.</remarks>
    public static void Write(string path, IExportableSigner signer, bool overwrite = false, string? passphrase = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!overwrite && File.Exists(path))
        {
            throw new IOException($"key file {path} already exists; refusing to overwrite an identity");
        }

        byte[] privateKey = signer.ExportPrivateKey();
        string algorithm = PublicKey.AlgorithmName(signer.PublicKey.Algorithm);
        var doc = new KeyFileDocument
        {
            Algorithm = algorithm,
            PrivateKey = string.IsNullOrEmpty(passphrase) ? Convert.ToBase64String(privateKey) : null,
            EncryptedPrivateKey = string.IsNullOrEmpty(passphrase) ? null : KeyFileEncryption.Seal(privateKey, passphrase, algorithm, signer.PublicKey.ToString()),
            PublicKey = signer.PublicKey.ToString(),
        };
        CryptographicOperations.ZeroMemory(privateKey);

        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null)
        {
            Directory.CreateDirectory(dir);
        }

        // Same directory as the target so that the rename stays on one file system and is atomic.
        string temp = path + ".tmp-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            using (var stream = new FileStream(temp, options))
            {
                // The relaxed encoder leaves '+' in base64 as is (the default writes \u002B): the file is read by people too.
                using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
                {
                    JsonSerializer.Serialize(json, doc, KeyFileJsonContext.Default.KeyFileDocument);
                }

                stream.Flush(flushToDisk: true);
            }

            // Without overwrite the move itself fails if the file appeared since the check above, so a racing writer never loses its key.
            File.Move(temp, path, overwrite);
        }
        catch (IOException ex) when (!overwrite && File.Exists(path))
        {
            throw new IOException($"key file {path} already exists; refusing to overwrite an identity", ex);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>
    /// Reads and checks a key file of either algorithm. Every failure names the file: <see cref="FileNotFoundException"/>,
    /// <see cref="UnauthorizedAccessException"/> when group or others have any access (Unix), <see cref="FormatException"/>
    /// for content that is not a consistent key. The caller owns the result (dispose it if it is <see cref="IDisposable"/>).
    /// </summary>
    /// <remarks>An encrypted file needs <paramref name="passphrase"/> (AEGIS_ENCRYPTION_KEY); without it, or with the wrong one, a <see cref="FormatException"/> says so.</remarks>
    public static IExportableSigner ReadSigner(string path, string? passphrase = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"key file {path} not found (create one with 'aegis keygen --out {path}')", path);
        }

        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & GroupOrOther) != 0)
        {
            throw new UnauthorizedAccessException($"key file {path} is accessible by other users; run 'chmod 600 {path}'");
        }

        if (new FileInfo(path).Length > MaxFileSize)
        {
            throw new FormatException($"key file {path}: larger than {MaxFileSize} bytes, not a key file");
        }

        KeyFileDocument? doc;
        try
        {
            doc = JsonSerializer.Deserialize(File.ReadAllText(path), KeyFileJsonContext.Default.KeyFileDocument);
        }
        catch (JsonException ex)
        {
            throw new FormatException($"key file {path}: not valid key file JSON ({ex.Message})", ex);
        }

        if (doc is null)
        {
            throw new FormatException($"key file {path}: expected a JSON object with algorithm, private_key and public_key");
        }

        KeyAlgorithm algorithm = Field(path, "algorithm", () => PublicKey.ParseAlgorithm(doc.Algorithm ?? throw new FormatException("missing (ecdsa-p256 or ed25519)")));
        PublicKey recorded = Field(path, "public_key", () => PublicKey.Parse(doc.PublicKey ?? throw new FormatException("missing")));
        byte[] privateKey = doc.EncryptedPrivateKey is { } sealedKey
            ? string.IsNullOrEmpty(passphrase)
                ? throw new FormatException($"key file {path} is encrypted; set AEGIS_ENCRYPTION_KEY to its passphrase")
                : Field(path, "encrypted_private_key", () => KeyFileEncryption.Open(sealedKey, passphrase, doc.Algorithm!, doc.PublicKey!))
            : Field(path, "private_key", () => DecodeBase64(doc.PrivateKey));
        IExportableSigner signer;
        try
        {
            signer = Field(path, "private_key", () => Signers.FromPrivateKey(algorithm, privateKey));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(privateKey);
        }

        if (!signer.PublicKey.Equals(recorded))
        {
            (signer as IDisposable)?.Dispose();
            throw new FormatException($"key file {path}: public_key does not match private_key");
        }

        return signer;
    }

    /// <summary>Reads a key file that must hold an ECDSA P-256 key (for callers typed to <see cref="EcdsaP256Signer"/>).</summary>
    public static EcdsaP256Signer Read(string path, string? passphrase = null)
    {
        IExportableSigner signer = ReadSigner(path, passphrase);
        if (signer is EcdsaP256Signer ecdsa)
        {
            return ecdsa;
        }

        (signer as IDisposable)?.Dispose();
        throw new FormatException($"key file {path}: holds an {PublicKey.AlgorithmName(signer.PublicKey.Algorithm)} key, but this caller needs ecdsa-p256");
    }

    private static T Field<T>(string path, string field, Func<T> parse)
    {
        try
        {
            return parse();
        }
        catch (FormatException ex)
        {
            throw new FormatException($"key file {path}: {field}: {ex.Message}", ex);
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
        catch (FormatException ex)
        {
            throw new FormatException("not valid base64", ex);
        }
    }
}
