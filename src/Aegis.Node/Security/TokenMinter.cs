using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Aegis.Node.Security;

/// <summary>Mints the tokens `aegis token` prints: sub, role, iat/nbf/exp, and iss/aud when the node checks them.</summary>
public static class TokenMinter
{
    public static string Mint(SigningCredentials credentials, string subject, IReadOnlyList<string> roles, TimeSpan ttl, string? issuer, string? audience, DateTime nowUtc)
    {
        var claims = new Dictionary<string, object> { ["sub"] = subject };
        claims[ApiRoles.ClaimType] = roles.Count == 1 ? roles[0] : roles.ToArray();
        var descriptor = new SecurityTokenDescriptor
        {
            Claims = claims,
            IssuedAt = nowUtc,
            NotBefore = nowUtc,
            Expires = nowUtc + ttl,
            Issuer = string.IsNullOrEmpty(issuer) ? null : issuer,
            Audience = string.IsNullOrEmpty(audience) ? null : audience,
            SigningCredentials = credentials,
            Subject = new ClaimsIdentity(),
        };
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
    }
}
