using System.Security.Cryptography;
using Aegis.Core.Crypto;

namespace Aegis.Node.Identity;

/// <summary>
/// A node's identity key on disk (its content is <see cref="KeyFileFormat"/>), written atomically with mode 0600 and
/// refused when anyone else may read it. Key files are operator artefacts read once at startup, never consensus input.
/// </summary>
public static class KeyFile
{
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

        byte[] content = string.IsNullOrEmpty(passphrase)
            ? KeyFileFormat.Serialize(signer)
            : KeyFileFormat.SerializeSealed(signer, passphrase, RandomNumberGenerator.GetBytes(KeyFileEncryption.SaltBytes), RandomNumberGenerator.GetBytes(KeyFileEncryption.NonceBytes));
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
                stream.Write(content);
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
            CryptographicOperations.ZeroMemory(content);
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

        if (new FileInfo(path).Length > KeyFileFormat.MaxBytes)
        {
            throw new FormatException($"key file {path}: larger than {KeyFileFormat.MaxBytes} bytes, not a key file");
        }

        byte[] content = File.ReadAllBytes(path);
        try
        {
            return KeyFileFormat.Parse(content, path, passphrase);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(content);
        }
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
}
