using Aegis.Core.Encoding;
using Aegis.Mesh.Noise;

namespace Aegis.Mesh.Pki;

/// <summary>Reading and writing certificate files and node key files; every failure names the file.</summary>
public static class CertificateFile
{
    private const long MaxFileSize = 1024 * 1024;

    public static List<MeshCertificate> ReadAll(string path)
    {
        string text = ReadText(path);
        try
        {
            return Armor.Decode(text, Armor.Certificate).Select(b => MeshCertificate.Decode(b)).ToList();
        }
        catch (FormatException ex)
        {
            throw new FormatException($"{path}: {ex.Message}", ex);
        }
    }

    public static MeshCertificate ReadOne(string path)
    {
        List<MeshCertificate> all = ReadAll(path);
        return all.Count == 1 ? all[0] : throw new FormatException($"{path}: holds {all.Count} certificates, expected one");
    }

    public static void Write(string path, MeshCertificate certificate, bool overwrite = false) =>
        SecretFile.Write(path, System.Text.Encoding.ASCII.GetBytes(Armor.Encode(Armor.Certificate, certificate.Encode())), overwrite, secret: false);

    public static void WriteKey(string path, X25519KeyPair key, bool overwrite = false)
    {
        byte[] raw = key.ExportPrivateKey();
        SecretFile.Write(path, System.Text.Encoding.ASCII.GetBytes(Armor.Encode(Armor.NodeKey, raw)), overwrite);
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(raw);
    }

    public static X25519KeyPair ReadKey(string path)
    {
        string text = ReadText(path);
        SecretFile.CheckPrivate(path);
        try
        {
            List<byte[]> blocks = Armor.Decode(text, Armor.NodeKey);
            return blocks.Count == 1 ? X25519KeyPair.FromPrivateKey(blocks[0]) : throw new FormatException($"holds {blocks.Count} keys, expected one");
        }
        catch (FormatException ex)
        {
            throw new FormatException($"{path}: {ex.Message}", ex);
        }
    }

    private static string ReadText(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path} not found", path);
        }

        if (new FileInfo(path).Length > MaxFileSize)
        {
            throw new CodecException($"{path}: larger than {MaxFileSize} bytes, not a certificate or key file");
        }

        return File.ReadAllText(path);
    }
}
