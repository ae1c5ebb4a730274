using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Aegis.Node.Security;

/// <summary>
/// The HTTP client for a node's API: every client verb's, and the dashboard's polls of its peers. With a CA file
/// (--cacert, dashboard.peer_ca_file) a TLS node's certificate must chain to that CA and name the host dialled; without
/// one the system's trust store applies, as for any HTTPS client.
/// </summary>
public static class ApiHttp
{
    public static HttpClient Create(string? caCertFile, TimeSpan timeout, int maxConnectionsPerServer = int.MaxValue, string field = "--cacert")
    {
        var handler = new SocketsHttpHandler { MaxConnectionsPerServer = maxConnectionsPerServer, PooledConnectionLifetime = TimeSpan.FromMinutes(10) };
        if (!string.IsNullOrEmpty(caCertFile))
        {
            X509Certificate2 ca = LoadCa(caCertFile, field);
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) => Trusted(ca, certificate as X509Certificate2, errors);
        }

        return new HttpClient(handler, disposeHandler: true) { Timeout = timeout };
    }

    /// <summary>Reads a PEM CA certificate; a missing or malformed file is an <see cref="IOException"/> naming it and the setting it came from.</summary>
    public static X509Certificate2 LoadCa(string path, string field = "--cacert")
    {
        try
        {
            return X509Certificate2.CreateFromPem(File.ReadAllText(path));
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException or FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            throw new IOException($"{field}: {path} — expected a PEM CA certificate ({ex.Message})", ex);
        }
    }

    // Name mismatch and an unavailable chain are the only errors a private CA may resolve: the chain is rebuilt against
    // the CA alone, and the host name check (done by SslStream) must still have passed.
    private static bool Trusted(X509Certificate2 ca, X509Certificate2? certificate, SslPolicyErrors errors)
    {
        if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0 || (errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
        {
            return false;
        }

        return ChainsTo(ca, certificate);
    }

    /// <summary>Whether <paramref name="certificate"/> chains to <paramref name="ca"/> alone (no system roots, no revocation check for a local CA).</summary>
    public static bool ChainsTo(X509Certificate2 ca, X509Certificate2 certificate)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }
}
