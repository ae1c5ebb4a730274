using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Aegis.Node.Api;

/// <summary>
/// Minimal HS256 JWTs: mint (for `aegis token`) and validate (signature, exp, nbf). The JwtBearer package does not
/// restore here, and HS256 is a few lines over the platform's HMAC.
/// </summary>
public static class JwtHs256
{
    public static string Mint(string secret, string subject, TimeSpan ttl, DateTimeOffset now)
    {
        string header = Base64Url("{\"alg\":\"HS256\",\"typ\":\"JWT\"}"u8);
        string payload = Base64Url(Encoding.UTF8.GetBytes($"{{\"sub\":{JsonSerializer.Serialize(subject, ApiTokenJson.Default.String)},\"iat\":{now.ToUnixTimeSeconds()},\"nbf\":{now.ToUnixTimeSeconds()},\"exp\":{now.Add(ttl).ToUnixTimeSeconds()}}}"));
        string signature = Base64Url(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.ASCII.GetBytes($"{header}.{payload}")));
        return $"{header}.{payload}.{signature}";
    }

    /// <summary>Null when the token is valid now; otherwise why not.</summary>
    public static string? Validate(string token, string secret, DateTimeOffset now)
    {
        string[] parts = token.Split('.');
        if (parts.Length != 3)
        {
            return "not a JWT";
        }

        byte[] expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.ASCII.GetBytes($"{parts[0]}.{parts[1]}"));
        byte[] actual;
        try
        {
            actual = FromBase64Url(parts[2]);
            using JsonDocument header = JsonDocument.Parse(FromBase64Url(parts[0]));
            if (!header.RootElement.TryGetProperty("alg", out JsonElement alg) || alg.GetString() != "HS256")
            {
                return "unsupported algorithm (expected HS256)";
            }

            if (!CryptographicOperations.FixedTimeEquals(expected, actual))
            {
                return "bad signature";
            }

            using JsonDocument payload = JsonDocument.Parse(FromBase64Url(parts[1]));
            long t = now.ToUnixTimeSeconds();
            if (payload.RootElement.TryGetProperty("exp", out JsonElement exp) && exp.GetInt64() < t)
            {
                return "token expired";
            }

            if (payload.RootElement.TryGetProperty("nbf", out JsonElement nbf) && nbf.GetInt64() > t + 60)
            {
                return "token not yet valid";
            }

            return null;
        }
        catch (Exception ex) when (ex is FormatException or JsonException or InvalidOperationException)
        {
            return "malformed token";
        }
    }

    private static string Base64Url(ReadOnlySpan<byte> bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] FromBase64Url(string s)
    {
        string b = s.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(b.PadRight(b.Length + ((4 - (b.Length % 4)) % 4), '='));
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
internal sealed partial class ApiTokenJson : System.Text.Json.Serialization.JsonSerializerContext;
