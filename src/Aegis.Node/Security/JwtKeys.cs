using System.Security.Cryptography;
using System.Text;
using Aegis.Node.Configuration;
using Microsoft.IdentityModel.Tokens;

namespace Aegis.Node.Security;

/// <summary>
/// The keys a node verifies tokens with, and the one algorithm they imply: HS256 for <c>jwt_secret</c> (plus
/// <c>jwt_previous_secret</c> during a rotation), RS256 or ES256 for the PEM in <c>jwt_public_key_file</c>. A token is
/// checked only with the configured algorithm, so <c>alg: none</c> and algorithm confusion (an HS256 token "signed"
/// with the RSA public key) are refused.
/// </summary>
public sealed class JwtKeys : IDisposable
{
    /// <summary>An RSA modulus below this is factorable by a determined attacker (NIST SP 800-57: 2048 bits until 2030).</summary>
    public const int MinRsaBits = 2048;

    private readonly IDisposable? _owned;

    private JwtKeys(string algorithm, IReadOnlyList<SecurityKey> keys, IDisposable? owned)
    {
        Algorithm = algorithm;
        VerificationKeys = keys;
        _owned = owned;
    }

    public string Algorithm { get; }

    public IReadOnlyList<SecurityKey> VerificationKeys { get; }

    /// <summary>The configured keys; null with one line per problem (the file is missing, not a key, the wrong kind).</summary>
    public static JwtKeys? Load(SecuritySection s, List<string> problems)
    {
        if (string.IsNullOrWhiteSpace(s.JwtPublicKeyFile))
        {
            var keys = new List<SecurityKey> { Symmetric(s.JwtSecret) };
            if (s.JwtPreviousSecret.Length > 0)
            {
                keys.Add(Symmetric(s.JwtPreviousSecret));
            }

            return new JwtKeys(SecurityAlgorithms.HmacSha256, keys, null);
        }

        string? pem = ReadPem(s.JwtPublicKeyFile, "security.jwt_public_key_file", problems);
        if (pem is null)
        {
            return null;
        }

        AsymmetricAlgorithm? key = ImportPublic(pem, s.JwtPublicKeyFile, problems);
        return key switch
        {
            RSA rsa => new JwtKeys(SecurityAlgorithms.RsaSha256, [new RsaSecurityKey(rsa)], rsa),
            ECDsa ec => new JwtKeys(SecurityAlgorithms.EcdsaSha256, [new ECDsaSecurityKey(ec)], ec),
            _ => null,
        };
    }

    /// <summary>The credentials `aegis token` signs with: the current secret, or the PEM private key matching the public key file.</summary>
    public static SigningCredentials? Signing(SecuritySection s, string? privateKeyFile, List<string> problems)
    {
        if (string.IsNullOrWhiteSpace(s.JwtPublicKeyFile))
        {
            if (Encoding.UTF8.GetByteCount(s.JwtSecret) < ConfigValidator.MinJwtSecretBytes)
            {
                problems.Add($"security.jwt_secret: {(s.JwtSecret.Length == 0 ? "(empty)" : "(redacted)")} — expected at least {ConfigValidator.MinJwtSecretBytes} bytes (or set AEGIS_JWT_SECRET)");
                return null;
            }

            return new SigningCredentials(Symmetric(s.JwtSecret), SecurityAlgorithms.HmacSha256);
        }

        if (string.IsNullOrWhiteSpace(privateKeyFile))
        {
            problems.Add($"--key: (empty) — expected the PEM private key matching security.jwt_public_key_file ({s.JwtPublicKeyFile})");
            return null;
        }

        string? pem = ReadPem(privateKeyFile, "--key", problems);
        using JwtKeys? verify = Load(s, problems);
        if (pem is null || verify is null)
        {
            return null;
        }

        SigningCredentials? credentials = verify.Algorithm == SecurityAlgorithms.RsaSha256
            ? ImportPrivate(pem, privateKeyFile, problems, RSA.Create, k => new RsaSecurityKey(k), SecurityAlgorithms.RsaSha256)
            : ImportPrivate(pem, privateKeyFile, problems, ECDsa.Create, k => new ECDsaSecurityKey(k), SecurityAlgorithms.EcdsaSha256);
        if (credentials is not null && !SamePublicKey(credentials.Key, verify.VerificationKeys[0]))
        {
            problems.Add($"--key: {privateKeyFile} — does not match the public key in {s.JwtPublicKeyFile}; tokens signed with it would be refused");
            return null;
        }

        return credentials;
    }

    public void Dispose() => _owned?.Dispose();

    private static SymmetricSecurityKey Symmetric(string secret) => new(Encoding.UTF8.GetBytes(secret));

    private static string? ReadPem(string path, string field, List<string> problems)
    {
        try
        {
            // A PEM key is a few KiB; a cap keeps a wrong path (a log, a disk image) from being read whole.
            if (new FileInfo(path).Length > 64 * 1024)
            {
                problems.Add($"{field}: {path} — larger than 64 KiB, not a PEM key");
                return null;
            }

            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            problems.Add($"{field}: {path} — cannot read it ({ex.Message})");
            return null;
        }
    }

    private static AsymmetricAlgorithm? ImportPublic(string pem, string path, List<string> problems)
    {
        const string field = "security.jwt_public_key_file";
        var rsa = RSA.Create();
        try
        {
            rsa.ImportFromPem(pem);
            if (rsa.KeySize < MinRsaBits)
            {
                problems.Add($"{field}: {path} — an RSA key of {rsa.KeySize} bits; expected at least {MinRsaBits}");
                rsa.Dispose();
                return null;
            }

            return rsa;
        }
        catch (ArgumentException)
        {
            rsa.Dispose();
        }
        catch (CryptographicException)
        {
            rsa.Dispose();
        }

        var ec = ECDsa.Create();
        try
        {
            ec.ImportFromPem(pem);
            if (ec.ExportParameters(false).Curve.Oid.Value != ECCurve.NamedCurves.nistP256.Oid.Value)
            {
                problems.Add($"{field}: {path} — an EC key on another curve; expected P-256 (ES256)");
                ec.Dispose();
                return null;
            }

            return ec;
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            ec.Dispose();
            problems.Add($"{field}: {path} — expected a PEM public key (RSA for RS256, EC P-256 for ES256)");
            return null;
        }
    }

    private static SigningCredentials? ImportPrivate<T>(string pem, string path, List<string> problems, Func<T> create, Func<T, SecurityKey> wrap, string algorithm)
        where T : AsymmetricAlgorithm
    {
        T key = create();
        try
        {
            key.ImportFromPem(pem);
            return new SigningCredentials(wrap(key), algorithm);
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            key.Dispose();
            problems.Add($"--key: {path} — expected a PEM {(algorithm == SecurityAlgorithms.RsaSha256 ? "RSA" : "EC P-256")} private key (the public key file holds that kind)");
            return null;
        }
    }

    private static bool SamePublicKey(SecurityKey a, SecurityKey b) => (a, b) switch
    {
        (RsaSecurityKey x, RsaSecurityKey y) => x.Rsa.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(y.Rsa.ExportSubjectPublicKeyInfo()),
        (ECDsaSecurityKey x, ECDsaSecurityKey y) => x.ECDsa.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(y.ECDsa.ExportSubjectPublicKeyInfo()),
        _ => false,
    };
}
