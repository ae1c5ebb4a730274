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
        if (s.Authentication)
        {
            p.Check(Encoding.UTF8.GetByteCount(s.JwtSecret) >= MinJwtSecretBytes, "security.jwt_secret", s.JwtSecret, $"expected at least {MinJwtSecretBytes} bytes when authentication is on (or set AEGIS_JWT_SECRET)");

            // The API verifies HS256 only. Accepting a public key alone would leave the HMAC key empty, and anyone could mint tokens.
            p.Check(string.IsNullOrWhiteSpace(s.JwtPublicKeyFile), "security.jwt_public_key_file", s.JwtPublicKeyFile, "RS256/ES256 tokens are not supported yet; expected jwt_secret (HS256) instead");
        }

        if (c.Node.Environment == "production")
        {
            p.Check(s.Authentication, "security.authentication", s.Authentication, "expected true in production");
            p.Check(s.Authentication || !ListenAddresses.IsWildcard(c.Api.Host), "api.host", c.Api.Host, "expected a specific address in production while authentication is off (an open API on every interface is refused)");
        }
    }
}
