using System.Text;

namespace Aegis.Node.Configuration;

public static partial class ConfigValidator
{
    /// <summary>HS256 with a shorter key is guessable offline from one captured token.</summary>
    public const int MinJwtSecretBytes = 32;

    private static void CheckSecurity(AegisConfig c, ProblemList p)
    {
        SecuritySection s = c.Security;
        p.Check(s.RateLimitPerMinute > 0, "security.rate_limit_per_minute", s.RateLimitPerMinute, "expected a positive number of requests");
        bool hasSecret = s.JwtSecret.Length > 0;
        bool hasPublicKey = !string.IsNullOrWhiteSpace(s.JwtPublicKeyFile);
        if (s.Authentication)
        {
            // One key type per node: the accepted algorithm follows from it, so a token can never choose how it is checked.
            if (hasSecret && hasPublicKey)
            {
                p.Add("security.jwt_public_key_file", s.JwtPublicKeyFile, "expected either jwt_secret (HS256) or jwt_public_key_file (RS256/ES256), not both");
            }
            else if (!hasPublicKey)
            {
                p.Check(Encoding.UTF8.GetByteCount(s.JwtSecret) >= MinJwtSecretBytes, "security.jwt_secret", s.JwtSecret, $"expected at least {MinJwtSecretBytes} bytes when authentication is on (or set AEGIS_JWT_SECRET)");
            }
        }

        if (s.JwtPreviousSecret.Length > 0)
        {
            p.Check(Encoding.UTF8.GetByteCount(s.JwtPreviousSecret) >= MinJwtSecretBytes, "security.jwt_previous_secret", s.JwtPreviousSecret, $"expected at least {MinJwtSecretBytes} bytes (or leave it empty once the rotation is over)");
            p.Check(hasSecret && !hasPublicKey, "security.jwt_previous_secret", s.JwtPreviousSecret, "expected only next to jwt_secret: it is the HS256 secret being rotated out");
        }

        if (c.Node.Environment == "production")
        {
            p.Check(s.Authentication, "security.authentication", s.Authentication, "expected true in production");
            p.Check(s.Authentication || !ListenAddresses.IsWildcard(c.Api.Host), "api.host", c.Api.Host, "expected a specific address in production while authentication is off (an open API on every interface is refused)");
        }
    }

    private static void CheckApiPerimeter(ApiSection a, ProblemList p)
    {
        bool cert = !string.IsNullOrWhiteSpace(a.Tls.CertFile);
        bool key = !string.IsNullOrWhiteSpace(a.Tls.KeyFile);
        p.Check(cert || !key, "api.tls.cert_file", a.Tls.CertFile, "expected a PEM certificate next to api.tls.key_file");
        p.Check(key || !cert, "api.tls.key_file", a.Tls.KeyFile, "expected the PEM private key of api.tls.cert_file");
        p.Check(a.Tls.MinVersion is "1.2" or "1.3", "api.tls.min_version", a.Tls.MinVersion, "expected \"1.2\" or \"1.3\"");
        p.Check(a.MaxConnectionsPerIp is >= 1 and <= 100_000, "api.max_connections_per_ip", a.MaxConnectionsPerIp, "expected 1-100000");
        p.Check(a.MaxConnections >= a.MaxConnectionsPerIp && a.MaxConnections <= 1_000_000, "api.max_connections", a.MaxConnections, "expected at least api.max_connections_per_ip and at most 1000000");
        p.Check(a.RequestHeadersTimeoutMs is >= 100 and <= 600_000, "api.request_headers_timeout_ms", a.RequestHeadersTimeoutMs, "expected 100-600000");
        p.Check(a.MinHeightWaitMs is >= 0 and <= 60_000, "api.min_height_wait_ms", a.MinHeightWaitMs, "expected 0-60000");
    }
}
