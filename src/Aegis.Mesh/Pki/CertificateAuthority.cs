using Aegis.Core.Crypto;
using Aegis.Node.Identity;

namespace Aegis.Mesh.Pki;

/// <summary>A mesh CA: its self-signed certificate and its Ed25519 key (Aegis.Core's signer and key file).</summary>
public sealed class CertificateAuthority
{
    public CertificateAuthority(MeshCertificate certificate, IExportableSigner signer)
    {
        if (certificate.Kind != CertificateKind.Authority || !signer.PublicKey.Bytes.SequenceEqual(certificate.PublicKey))
        {
            throw new FormatException("the CA key does not belong to the CA certificate");
        }

        Certificate = certificate;
        Signer = signer;
    }

    public MeshCertificate Certificate { get; }

    public IExportableSigner Signer { get; }

    public static CertificateAuthority Create(string name, TimeSpan duration, DateTimeOffset now)
    {
        Ed25519Signer signer = Ed25519Signer.Generate();
        var unsigned = new MeshCertificate(CertificateKind.Authority, name, null, [], Truncate(now), Truncate(now + duration), signer.PublicKey.Bytes.ToArray(), Hash32.Zero, new byte[Signature.Size]);
        return new CertificateAuthority(SignWith(signer, unsigned), signer);
    }

    /// <summary>
    /// Signs a node certificate. Its validity is cut to the CA's, as a certificate cannot outlive the authority that vouches
    /// for it; the groups and name are checked here so a bad one never gets signed.
    /// </summary>
    public MeshCertificate Sign(string name, IPv4Network? address, IReadOnlyList<string> groups, ReadOnlySpan<byte> x25519PublicKey, TimeSpan duration, DateTimeOffset now)
    {
        DateTimeOffset notAfter = Truncate(now + duration) < Certificate.NotAfter ? Truncate(now + duration) : Certificate.NotAfter;
        var unsigned = new MeshCertificate(CertificateKind.Node, name, address, groups, Truncate(now), notAfter, x25519PublicKey.ToArray(), Certificate.Fingerprint, new byte[Signature.Size]);
        if (MeshCertificate.ShapeProblem(unsigned) is { } problem)
        {
            throw new FormatException(problem);
        }

        return SignWith(Signer, unsigned);
    }

    public void Save(string directory)
    {
        Directory.CreateDirectory(directory);
        string key = Path.Combine(directory, "ca.key");
        if (File.Exists(key))
        {
            throw new IOException($"{key} already exists; refusing to overwrite a CA key");
        }

        File.WriteAllText(Path.Combine(directory, "ca.crt"), Armor.Encode(Armor.Certificate, Certificate.Encode()));
        KeyFile.Write(key, Signer);
    }

    /// <summary>Reads DIR/ca.crt and DIR/ca.key (mode 0600, as Aegis.Core's key files are checked).</summary>
    public static CertificateAuthority Load(string directory)
    {
        string crt = Path.Combine(directory, "ca.crt");
        if (!File.Exists(crt))
        {
            throw new FileNotFoundException($"{crt} not found (create a CA with 'aegis mesh ca --name NAME --out {directory}')", crt);
        }

        List<MeshCertificate> certs = CertificateFile.ReadAll(crt);
        IExportableSigner signer = KeyFile.ReadSigner(Path.Combine(directory, "ca.key"));
        MeshCertificate? mine = certs.FirstOrDefault(c => c.Kind == CertificateKind.Authority && signer.PublicKey.Bytes.SequenceEqual(c.PublicKey));
        return new CertificateAuthority(mine ?? throw new FormatException($"{crt}: no certificate in it matches ca.key"), signer);
    }

    private static MeshCertificate SignWith(ISigner signer, MeshCertificate unsigned)
    {
        var signature = new byte[Signature.Size];
        signer.Sign(unsigned.SignedBytes(), signature);
        return new MeshCertificate(unsigned.Kind, unsigned.Name, unsigned.Address, unsigned.Groups, unsigned.NotBefore, unsigned.NotAfter, unsigned.PublicKey, unsigned.Issuer, signature);
    }

    private static DateTimeOffset Truncate(DateTimeOffset t) => DateTimeOffset.FromUnixTimeSeconds(t.ToUnixTimeSeconds());
}
