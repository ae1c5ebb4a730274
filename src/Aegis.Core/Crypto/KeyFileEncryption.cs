using System.Security.Cryptography;
using System.Text.Json.Serialization;

namespace Aegis.Core.Crypto;

/// <summary>
/// A key file's private key sealed under a passphrase (AEGIS_ENCRYPTION_KEY): PBKDF2-HMAC-SHA256 derives a 256-bit key
/// from the passphrase and a random salt, AES-256-GCM seals the private key with the algorithm and public key as
/// associated data (so neither can be swapped). Both from the platform: no new native dependency for a file read once
/// at start-up. 600,000 iterations is OWASP's 2023 figure for PBKDF2-SHA256.
/// </summary>
public static class KeyFileEncryption
{
    public const string Kdf = "pbkdf2-sha256";
    public const string Cipher = "aes-256-gcm";
    public const int DefaultIterations = 600_000;

    // A file may state fewer iterations (a test key) but not so few that the passphrase is cheap to guess, nor so many
    // that reading the file is a denial of service.
    private const int MinIterations = 100_000;
    private const int MaxIterations = 10_000_000;

    /// <summary>Bytes of fresh randomness <see cref="Seal"/> needs for the salt.</summary>
    public const int SaltBytes = 16;

    /// <summary>Bytes of fresh randomness <see cref="Seal"/> needs for the AES-GCM nonce.</summary>
    public const int NonceBytes = 12;

    /// <summary>
    /// Seals <paramref name="privateKey"/>. The salt and nonce must be fresh randomness: Core draws none, so the host
    /// (<c>Aegis.Node.Identity.KeyFile</c>) passes them in.
    /// </summary>
    internal static EncryptedKeyDocument Seal(ReadOnlySpan<byte> privateKey, string passphrase, string algorithm, string publicKey, byte[] salt, byte[] nonce, int iterations = DefaultIterations)
    {
        if (salt.Length != SaltBytes || nonce.Length != NonceBytes)
        {
            throw new ArgumentException($"sealing a key file needs {SaltBytes} bytes of salt and {NonceBytes} of nonce");
        }

        byte[] key = Derive(passphrase, salt, iterations);
        var ciphertext = new byte[privateKey.Length];
        var tag = new byte[AesGcm.TagByteSizes.MaxSize];
        try
        {
            using var aes = new AesGcm(key, tag.Length);
            aes.Encrypt(nonce, privateKey, ciphertext, tag, AssociatedData(algorithm, publicKey));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }

        return new EncryptedKeyDocument
        {
            Kdf = Kdf,
            Iterations = iterations,
            Salt = Convert.ToBase64String(salt),
            Cipher = Cipher,
            Nonce = Convert.ToBase64String(nonce),
            Ciphertext = Convert.ToBase64String(ciphertext),
            Tag = Convert.ToBase64String(tag),
        };
    }

    /// <summary>The private key; <see cref="FormatException"/> naming the problem for a wrong passphrase or a damaged file.</summary>
    internal static byte[] Open(EncryptedKeyDocument e, string passphrase, string algorithm, string publicKey)
    {
        if (e.Kdf != Kdf || e.Cipher != Cipher)
        {
            throw new FormatException($"encrypted_private_key: expected kdf {Kdf} and cipher {Cipher}, got {e.Kdf ?? "none"} and {e.Cipher ?? "none"}");
        }

        if (e.Iterations is < MinIterations or > MaxIterations)
        {
            throw new FormatException($"encrypted_private_key.iterations: {e.Iterations} — expected {MinIterations} to {MaxIterations}");
        }

        byte[] salt = Base64(e.Salt, "salt");
        byte[] nonce = Base64(e.Nonce, "nonce");
        byte[] ciphertext = Base64(e.Ciphertext, "ciphertext");
        byte[] tag = Base64(e.Tag, "tag");
        if (nonce.Length != AesGcm.NonceByteSizes.MaxSize || tag.Length != AesGcm.TagByteSizes.MaxSize || salt.Length < 16)
        {
            throw new FormatException("encrypted_private_key: salt, nonce or tag has the wrong length");
        }

        byte[] key = Derive(passphrase, salt, e.Iterations);
        var plain = new byte[ciphertext.Length];
        try
        {
            using var aes = new AesGcm(key, tag.Length);
            aes.Decrypt(nonce, ciphertext, tag, plain, AssociatedData(algorithm, publicKey));
            return plain;
        }
        catch (AuthenticationTagMismatchException ex)
        {
            throw new FormatException("cannot decrypt the private key: wrong AEGIS_ENCRYPTION_KEY, or the file was changed", ex);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>
    /// The same passphrase-to-key derivation for other files sealed with AEGIS_ENCRYPTION_KEY (backups): one KDF and
    /// cipher for every secret at rest. The caller zeroes the key when done.
    /// </summary>
    public static byte[] DeriveKey(string passphrase, byte[] salt, int iterations)
    {
        if (iterations is < MinIterations or > MaxIterations)
        {
            throw new FormatException($"iterations: {iterations} — expected {MinIterations} to {MaxIterations}");
        }

        return Derive(passphrase, salt, iterations);
    }

    private static byte[] Derive(string passphrase, byte[] salt, int iterations) =>
        Rfc2898DeriveBytes.Pbkdf2(System.Text.Encoding.UTF8.GetBytes(passphrase), salt, iterations, HashAlgorithmName.SHA256, 32);

    private static byte[] AssociatedData(string algorithm, string publicKey) => System.Text.Encoding.UTF8.GetBytes($"aegis-key-file-v1\n{algorithm}\n{publicKey}");

    private static byte[] Base64(string? text, string field)
    {
        try
        {
            return Convert.FromBase64String(text ?? throw new FormatException("missing"));
        }
        catch (FormatException ex)
        {
            throw new FormatException($"encrypted_private_key.{field}: missing or not base64", ex);
        }
    }
}

/// <summary>The JSON shape of <c>encrypted_private_key</c> in a key file.</summary>
internal sealed class EncryptedKeyDocument
{
    [JsonPropertyName("kdf")]
    public string? Kdf { get; set; }

    [JsonPropertyName("iterations")]
    public int Iterations { get; set; }

    [JsonPropertyName("salt")]
    public string? Salt { get; set; }

    [JsonPropertyName("cipher")]
    public string? Cipher { get; set; }

    [JsonPropertyName("nonce")]
    public string? Nonce { get; set; }

    [JsonPropertyName("ciphertext")]
    public string? Ciphertext { get; set; }

    [JsonPropertyName("tag")]
    public string? Tag { get; set; }
}
