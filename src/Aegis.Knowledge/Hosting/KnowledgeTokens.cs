using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Aegis.Knowledge.Hosting;

/// <summary>HS256 tokens for the knowledge service: minted by `aegis knowledge token`, validated as the node validates its own (<see cref="Aegis.Node.Security.ApiAuthentication"/>).</summary>
public static class KnowledgeTokens
{
    private static SymmetricSecurityKey Key(string secret) => new(Encoding.UTF8.GetBytes(secret));

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
}
