using System.Security.Claims;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Aegis.Knowledge.Hosting;

/// <summary>HS256 tokens for the knowledge service: minted by `aegis knowledge token`, validated by JwtBearer.</summary>
public static class KnowledgeTokens
{
    public static SymmetricSecurityKey Key(string secret) => new(Encoding.UTF8.GetBytes(secret));

    public static string Mint(string secret, string subject, IEnumerable<string> areas, TimeSpan ttl, string? issuer = null, string? audience = null)
    {
        DateTime now = DateTime.UtcNow;
        var claims = new Dictionary<string, object> { ["sub"] = subject };
        string[] areaList = areas.ToArray();
        if (areaList.Length > 0)
        {
            claims[Access.Caller.AreasClaim] = areaList;
        }

        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Claims = claims,
            IssuedAt = now,
            NotBefore = now,
            Expires = now.Add(ttl),
            Issuer = string.IsNullOrEmpty(issuer) ? null : issuer,
            Audience = string.IsNullOrEmpty(audience) ? null : audience,
            SigningCredentials = new SigningCredentials(Key(secret), SecurityAlgorithms.HmacSha256),
        });
    }

    /// <summary>What JwtBearer checks: HS256 only, a signature, an exp, and issuer/audience when configured.</summary>
    public static TokenValidationParameters Validation(string secret, string issuer, string audience) => new()
    {
        IssuerSigningKey = Key(secret),
        ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
        RequireSignedTokens = true,
        RequireExpirationTime = true,
        ValidateLifetime = true,
        ClockSkew = TimeSpan.FromSeconds(60),
        ValidateIssuer = issuer.Length > 0,
        ValidIssuer = issuer.Length > 0 ? issuer : null,
        ValidateAudience = audience.Length > 0,
        ValidAudience = audience.Length > 0 ? audience : null,
        NameClaimType = "sub",
    };
}
