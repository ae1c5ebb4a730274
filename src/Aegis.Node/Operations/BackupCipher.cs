using System.Buffers.Binary;
using System.Security.Cryptography;
using Aegis.Core.Crypto;

namespace Aegis.Node.Operations;

/// <summary>
/// The encryption of a backup under AEGIS_ENCRYPTION_KEY, with the key-at-rest scheme the key files use
/// (<see cref="KeyFileEncryption"/>: PBKDF2-SHA256 → AES-256-GCM), made streamable: the body is cut into chunks of
/// <see cref="ChunkSize"/> bytes, each sealed on its own with nonce = 4 random bytes ‖ the chunk's 64-bit counter and
/// the file's preamble plus a "last chunk" flag as associated data. So chunks cannot be reordered, dropped or moved to
/// another file, and the writer always ends with a short (possibly empty) last chunk, so a file cut at a chunk
/// boundary is seen as truncated. A key-check tag in the preamble tells a wrong key from a damaged body.
/// </summary>
public sealed class BackupCipher : IDisposable
{
    public const int ChunkSize = 1 << 20;
    public const int TagSize = 16;
    public const int SaltSize = 16;
    public const int PrefixSize = 4;
    private static readonly byte[] KeyCheckDomain = "aegis-backup-key-check-v1"u8.ToArray();

    private readonly AesGcm _aes;
    private readonly byte[] _prefix;

    private BackupCipher(byte[] key, byte[] prefix, byte[] preamble)
    {
        _aes = new AesGcm(key, TagSize);
        CryptographicOperations.ZeroMemory(key);
        _prefix = prefix;
        Preamble = preamble;
    }

    /// <summary>The plaintext parameters at the start of the file (iterations, salt, nonce prefix), bound into every chunk.</summary>
    public byte[] Preamble { get; }

    /// <summary>Bytes of the parameters plus the key-check tag that follow the format byte.</summary>
    public static int ParametersSize => sizeof(uint) + SaltSize + PrefixSize + TagSize;

    public static BackupCipher Create(string passphrase, int iterations = KeyFileEncryption.DefaultIterations)
    {
        byte[] salt = RandomNumberGenerator.GetBytes(SaltSize);
        byte[] prefix = RandomNumberGenerator.GetBytes(PrefixSize);
        byte[] preamble = Parameters(iterations, salt, prefix);
        var cipher = new BackupCipher(KeyFileEncryption.DeriveKey(passphrase, salt, iterations), prefix, preamble);
        return cipher;
    }

    /// <summary>
    /// A cipher over an already-derived 256-bit key with the given parameters (owns <paramref name="key"/>). For tests
    /// and fuzz seeds that need reproducible files under a fixed test key; a real backup uses <see cref="Create"/>.
    /// </summary>
    public static BackupCipher CreateWithKey(byte[] key, int iterations, byte[] salt, byte[] prefix)
    {
        if (key.Length != 32 || salt.Length != SaltSize || prefix.Length != PrefixSize)
        {
            throw new ArgumentException($"a backup cipher needs a 32-byte key, {SaltSize} bytes of salt and a {PrefixSize}-byte nonce prefix");
        }

        return new BackupCipher(key, prefix, Parameters(iterations, salt, prefix));
    }

    /// <summary>The key-check tag the writer stores after the parameters.</summary>
    public byte[] KeyCheck()
    {
        var tag = new byte[TagSize];
        _aes.Encrypt(Nonce(ulong.MaxValue), ReadOnlySpan<byte>.Empty, Span<byte>.Empty, tag, KeyCheckAad());
        return tag;
    }

    /// <summary>Reads the parameters and checks the key; <see cref="BackupFormatException"/> naming a wrong key.</summary>
    public static BackupCipher Open(ReadOnlySpan<byte> parameters, string passphrase)
    {
        uint iterations = BinaryPrimitives.ReadUInt32BigEndian(parameters);
        byte[] salt = parameters.Slice(4, SaltSize).ToArray();
        byte[] key;
        try
        {
            key = KeyFileEncryption.DeriveKey(passphrase, salt, checked((int)iterations));
        }
        catch (Exception ex) when (ex is FormatException or OverflowException)
        {
            throw new BackupFormatException($"the encryption parameters are damaged ({ex.Message})", ex);
        }

        return OpenWithKey(parameters, key);
    }

    /// <summary>
    /// <see cref="Open(ReadOnlySpan{byte}, string)"/> with the key already derived (the caller ran the KDF over the
    /// file's salt and iterations, or opens many files made with one key): checks the key and takes ownership of
    /// <paramref name="key"/> (zeroed). The backup fuzz target opens with a fixed test key this way, so its executions
    /// are spent in the chunk stream rather than in PBKDF2.
    /// </summary>
    public static BackupCipher OpenWithKey(ReadOnlySpan<byte> parameters, byte[] key)
    {
        uint iterations = BinaryPrimitives.ReadUInt32BigEndian(parameters);
        byte[] salt = parameters.Slice(4, SaltSize).ToArray();
        byte[] prefix = parameters.Slice(4 + SaltSize, PrefixSize).ToArray();
        ReadOnlySpan<byte> tag = parameters.Slice(4 + SaltSize + PrefixSize, TagSize);
        var cipher = new BackupCipher(key, prefix, Parameters((int)iterations, salt, prefix));
        try
        {
            cipher._aes.Decrypt(cipher.Nonce(ulong.MaxValue), ReadOnlySpan<byte>.Empty, tag, Span<byte>.Empty, cipher.KeyCheckAad());
            return cipher;
        }
        catch (AuthenticationTagMismatchException ex)
        {
            cipher.Dispose();
            throw new BackupFormatException("wrong AEGIS_ENCRYPTION_KEY: the key does not open this backup (or its header was altered)", ex);
        }
    }

    public void Seal(ulong counter, bool last, ReadOnlySpan<byte> plain, Span<byte> sealedOut)
    {
        _aes.Encrypt(Nonce(counter), plain, sealedOut[..plain.Length], sealedOut.Slice(plain.Length, TagSize), Aad(last));
    }

    /// <summary>False when the chunk does not authenticate (altered, truncated, reordered, or from another file).</summary>
    public bool TryOpen(ulong counter, bool last, ReadOnlySpan<byte> sealedIn, Span<byte> plainOut)
    {
        int length = sealedIn.Length - TagSize;
        try
        {
            _aes.Decrypt(Nonce(counter), sealedIn[..length], sealedIn[length..], plainOut[..length], Aad(last));
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }
    }

    public void Dispose() => _aes.Dispose();

    private static byte[] Parameters(int iterations, byte[] salt, byte[] prefix)
    {
        var p = new byte[4 + SaltSize + PrefixSize];
        BinaryPrimitives.WriteUInt32BigEndian(p, (uint)iterations);
        salt.CopyTo(p, 4);
        prefix.CopyTo(p, 4 + SaltSize);
        return p;
    }

    private byte[] Nonce(ulong counter)
    {
        var nonce = new byte[PrefixSize + 8];
        _prefix.CopyTo(nonce, 0);
        BinaryPrimitives.WriteUInt64BigEndian(nonce.AsSpan(PrefixSize), counter);
        return nonce;
    }

    private byte[] Aad(bool last) => [.. BackupFile.Magic, .. Preamble, last ? (byte)1 : (byte)0];

    private byte[] KeyCheckAad() => [.. KeyCheckDomain, .. BackupFile.Magic, .. Preamble];
}
