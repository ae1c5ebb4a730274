using System.Security.Cryptography.X509Certificates;
using Aegis.Node.Configuration;

namespace Aegis.Node.Security;

/// <summary>
/// What the API listeners load from files: the JWT verification keys (with security.authentication on) and the TLS
/// certificate (with api.tls.cert_file set). Loaded once, by <see cref="Hosting.NodeHost.LoadIdentity"/>: `config check`
/// reports their problems and `run` serves with the same objects.
/// </summary>
public sealed class ApiCredentials : IDisposable
{
    private ApiCredentials(JwtKeys? jwtKeys, X509Certificate2? certificate)
    {
        JwtKeys = jwtKeys;
        Certificate = certificate;
    }

    public JwtKeys? JwtKeys { get; }

    public X509Certificate2? Certificate { get; }

    /// <summary>The configured keys and certificate; a problem with either is one line in <paramref name="problems"/>.</summary>
    public static ApiCredentials Load(AegisConfig config, List<string> problems) => new(
        config.Security.Authentication ? JwtKeys.Load(config.Security, problems) : null,
        TlsCertificate.Load(config.Api.Tls, problems));

    public void Dispose()
    {
        JwtKeys?.Dispose();
        Certificate?.Dispose();
    }
}
