using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Aegis.Node.Configuration;

namespace Aegis.Node.Security;

/// <summary>The API's certificate from api.tls (PEM certificate chain and PEM private key); null when TLS is off.</summary>
public static class TlsCertificate
{
    public static X509Certificate2? Load(TlsSection tls, List<string> problems)
    {
        if (string.IsNullOrWhiteSpace(tls.CertFile))
        {
            return null;
        }

        foreach ((string field, string path) in new[] { ("api.tls.cert_file", tls.CertFile), ("api.tls.key_file", tls.KeyFile) })
        {
            if (!File.Exists(path))
            {
                problems.Add($"{field}: {path} — file not found");
            }
        }

        if (problems.Count > 0)
        {
            return null;
        }

        try
        {
            X509Certificate2 certificate = X509Certificate2.CreateFromPemFile(tls.CertFile, tls.KeyFile);
            if (DateTime.UtcNow > certificate.NotAfter)
            {
                problems.Add($"api.tls.cert_file: {tls.CertFile} — expired on {certificate.NotAfter:yyyy-MM-dd}");
            }

            return certificate;
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException or IOException or UnauthorizedAccessException)
        {
            problems.Add($"api.tls.cert_file: {tls.CertFile} — cannot load it with api.tls.key_file ({ex.Message})");
            return null;
        }
    }
}
