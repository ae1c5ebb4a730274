using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Aegis.Cli.Tls;

/// <summary>
/// The local CA `aegis testnet --tls` writes: DIR/ca.crt (give it to clients with --cacert) and DIR/ca.key, and per
/// node a certificate for 127.0.0.1 and localhost signed by it. ECDSA P-256 throughout; private keys are written mode 0600.
/// </summary>
public static class LocalCertificateAuthority
{
    public const string CaCertFile = "ca.crt";
    public const string CaKeyFile = "ca.key";
    public const string NodeCertFile = "tls.crt";
    public const string NodeKeyFile = "tls.key";

    public static void WriteCa(string dir, string name)
    {
        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name} local CA", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        DateTimeOffset now = DateTimeOffset.UtcNow;
        using X509Certificate2 ca = request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(10));
        File.WriteAllText(Path.Combine(dir, CaCertFile), ca.ExportCertificatePem() + "\n");
        WritePrivate(Path.Combine(dir, CaKeyFile), key.ExportPkcs8PrivateKeyPem());
    }

    /// <summary>
    /// A server certificate for a node, in <paramref name="nodeDir"/>, signed by the CA in <paramref name="dir"/>: valid for
    /// this machine's loopback names and, when the node has one, its own host (an IP address or a DNS name).
    /// </summary>
    public static void WriteNode(string dir, string nodeDir, string nodeName, string? host = null)
    {
        using X509Certificate2 ca = X509Certificate2.CreateFromPemFile(Path.Combine(dir, CaCertFile), Path.Combine(dir, CaKeyFile));
        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={nodeName}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        names.AddDnsName("localhost");
        if (host is not null)
        {
            if (IPAddress.TryParse(host, out IPAddress? ip))
            {
                names.AddIpAddress(ip);
            }
            else
            {
                names.AddDnsName(host);
            }
        }
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        DateTimeOffset now = DateTimeOffset.UtcNow;
        using X509Certificate2 cert = request.Create(ca, now.AddMinutes(-5), now.AddYears(1), RandomNumberGenerator.GetBytes(16));
        File.WriteAllText(Path.Combine(nodeDir, NodeCertFile), cert.ExportCertificatePem() + "\n");
        WritePrivate(Path.Combine(nodeDir, NodeKeyFile), key.ExportPkcs8PrivateKeyPem());
    }

    private static void WritePrivate(string path, string pem)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var writer = new StreamWriter(new FileStream(path, options));
        writer.Write(pem + "\n");
    }
}
