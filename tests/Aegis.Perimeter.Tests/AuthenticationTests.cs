using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Aegis.Cluster.Tests;
using Aegis.Perimeter.Tests.Support;
using static Aegis.Perimeter.Tests.Support.Perimeter;

namespace Aegis.Perimeter.Tests;

/// <summary>
/// Tokens against a running node with security.authentication on, as an attacker would send them. Tokens for the
/// attacks are built by hand in the test, never by the library the node uses.
/// </summary>
public class AuthenticationTests
{
    private const string Secret = "perimeter-test-secret-0123456789abcdef";
    private const string PreviousSecret = "perimeter-test-old-secret-0123456789abc";
    private const string Header = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
    private static readonly byte[] SecretBytes = Encoding.UTF8.GetBytes(Secret);

    [Fact]
    public async Task Hs256_tokens_no_token_tampered_alg_none_expired_no_exp_wrong_key_and_wrong_role_are_refused_and_counted()
    {
        CancellationToken ct = Timeout(120);
        await using var cluster = new TestCluster(validators: 1);
        cluster.SetSecurity($"authentication: true\njwt_secret: \"{Secret}\"\njwt_previous_secret: \"{PreviousSecret}\"\njwt_issuer: \"aegis-test\"\nrate_limit_per_minute: 600000");
        await cluster.StartAsync(ct);
        string config = Path.Combine(cluster.Dir, "node0", "config.yaml");

        // No token: 401 with the contract's JSON error.
        (int status, JsonElement body) = await PostAsync(cluster, null, ct);
        Assert.Equal(401, status);
        Assert.Equal("unauthorized", body.GetProperty("error").GetString());
        Assert.Contains("Authorization", body.GetProperty("message").GetString(), StringComparison.Ordinal);

        // A token minted by `aegis token` is accepted.
        (int exit, string minted, string err) = await CliAsync(null, ct, "token", "--config", config, "--ttl", "10m", "--subject", "alice");
        Assert.True(exit == 0, err);
        Assert.Equal(200, (await PostAsync(cluster, minted, ct)).Status);
        foreach (string badTtl in new[] { "NaNh", "1e300d", "40000d", "0s" })
        {
            (int badExit, _, string badErr) = await CliAsync(null, ct, "token", "--config", config, "--ttl", badTtl);
            Assert.True(badExit == 2 && badErr.Contains($"--ttl: {badTtl}", StringComparison.Ordinal), $"--ttl {badTtl}: exit {badExit}, {badErr}");
        }

        string[] parts = minted.Split('.');
        string payload = Encoding.UTF8.GetString(Convert.FromBase64String(Pad(parts[1])));
        Assert.Contains("\"exp\":", payload, StringComparison.Ordinal);
        Assert.Contains("\"iss\":\"aegis-test\"", payload, StringComparison.Ordinal);

        string Claims(string extra) => $"{{\"sub\":\"mallory\",\"role\":\"write\",\"iss\":\"aegis-test\"{extra}}}";
        var refused = new Dictionary<string, string>
        {
            // Payload changed after signing (the role raised to admin): the signature no longer matches.
            ["tampered"] = parts[0] + "." + Base64Url(payload.Replace("\"write\"", "\"admin\"", StringComparison.Ordinal)) + "." + parts[2],
            ["alg none"] = Base64Url("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + Base64Url(Claims($",\"exp\":{Now(600)}")) + ".",
            ["expired"] = Hs256(Header, Claims($",\"exp\":{Now(-600)}"), SecretBytes),
            ["no exp"] = Hs256(Header, Claims(""), SecretBytes),
            ["wrong key"] = Hs256(Header, Claims($",\"exp\":{Now(600)}"), Encoding.UTF8.GetBytes("another-secret-of-32-bytes-or-more-000")),
            ["wrong issuer"] = Hs256(Header, $"{{\"sub\":\"m\",\"role\":\"write\",\"iss\":\"elsewhere\",\"exp\":{Now(600)}}}", SecretBytes),
            ["HS512 instead of HS256"] = Base64Url("{\"alg\":\"HS512\",\"typ\":\"JWT\"}") + "." + Base64Url(Claims($",\"exp\":{Now(600)}")) + "." + Base64Url(HMACSHA512.HashData(SecretBytes, Encoding.ASCII.GetBytes(Base64Url("{\"alg\":\"HS512\",\"typ\":\"JWT\"}") + "." + Base64Url(Claims($",\"exp\":{Now(600)}"))))),
            ["garbage"] = "not.a.jwt",
        };
        foreach ((string name, string token) in refused)
        {
            (int code, JsonElement error) = await PostAsync(cluster, token, ct);
            Assert.True(code == 401, $"{name}: {code} {error}");
            Assert.Equal("unauthorized", error.GetProperty("error").GetString());
            Assert.DoesNotContain("IDX", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        // Rotation: a token signed with the previous secret is still accepted during the overlap.
        Assert.Equal(200, (await PostAsync(cluster, Hs256(Header, Claims($",\"exp\":{Now(600)}"), Encoding.UTF8.GetBytes(PreviousSecret)), ct)).Status);

        // Small clock skew: a token that expired 5 s ago still passes, one from the future by 5 s too.
        Assert.Equal(200, (await PostAsync(cluster, Hs256(Header, Claims($",\"exp\":{Now(-5)}"), SecretBytes), ct)).Status);
        Assert.Equal(200, (await PostAsync(cluster, Hs256(Header, Claims($",\"exp\":{Now(600)},\"nbf\":{Now(5)}"), SecretBytes), ct)).Status);

        // Roles: a read token may not write (403); a token without any role may not either.
        (exit, string reader, err) = await CliAsync(null, ct, "token", "--config", config, "--role", "read");
        Assert.True(exit == 0, err);
        Assert.Equal(403, (await PostAsync(cluster, reader, ct)).Status);
        Assert.Equal(403, (await PostAsync(cluster, Hs256(Header, $"{{\"sub\":\"x\",\"iss\":\"aegis-test\",\"exp\":{Now(600)}}}", SecretBytes), ct)).Status);
        (exit, string admin, err) = await CliAsync(null, ct, "token", "--config", config, "--role", "admin");
        Assert.True(exit == 0, err);
        Assert.Equal(200, (await PostAsync(cluster, admin, ct)).Status);

        // Reads stay open (protect_reads is off), probes too.
        using HttpResponseMessage status0 = await cluster.Http.GetAsync(cluster.Url(0) + "/status", ct);
        Assert.Equal(HttpStatusCode.OK, status0.StatusCode);

        string metrics = await cluster.Http.GetStringAsync(cluster.Url(0) + "/metrics", ct);
        Assert.Equal(1, Metric(metrics, "aegis_api_auth_failures_total{reason=\"missing\"}"));
        Assert.Equal(1, Metric(metrics, "aegis_api_auth_failures_total{reason=\"expired\"}"));
        Assert.Equal(1, Metric(metrics, "aegis_api_auth_failures_total{reason=\"no_exp\"}"));
        Assert.True(Metric(metrics, "aegis_api_auth_failures_total{reason=\"bad_signature\"}") >= 2, metrics);
        Assert.Equal(2, Metric(metrics, "aegis_api_auth_failures_total{reason=\"missing_role\"}"));
        Assert.Equal(refused.Count + 3, MetricSum(metrics, "aegis_api_auth_failures_total"));
    }

    [Fact]
    public async Task On_the_content_rpc_a_read_token_may_read_and_only_a_write_token_may_store()
    {
        CancellationToken ct = Timeout(120);
        await using var cluster = new TestCluster(validators: 1);
        cluster.SetSecurity($"authentication: true\njwt_secret: \"{Secret}\"\nprotect_reads: true\nrate_limit_per_minute: 600000");
        await cluster.StartAsync(ct);
        string config = Path.Combine(cluster.Dir, "node0", "config.yaml");
        (int exit, string reader, string err) = await CliAsync(null, ct, "token", "--config", config, "--role", "read");
        Assert.True(exit == 0, err);
        (exit, string writer, err) = await CliAsync(null, ct, "token", "--config", config, "--role", "write");
        Assert.True(exit == 0, err);

        async Task<int> RpcAsync(string call, string? token, bool upload = false)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, cluster.Url(0) + "/ipfs-api/api/v0/" + call);
            if (upload)
            {
                var form = new MultipartFormDataContent();
                form.Add(new ByteArrayContent(Encoding.UTF8.GetBytes("read roles read")), "file", "f.txt");
                request.Content = form;
            }

            if (token is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            }

            using HttpResponseMessage r = await cluster.Http.SendAsync(request, ct);
            return (int)r.StatusCode;
        }

        // Every Kubo call is a POST; what it does decides the role, not the method.
        Assert.Equal(200, await RpcAsync("add", writer, upload: true));
        Assert.Equal(403, await RpcAsync("add", reader, upload: true));
        Assert.Equal(401, await RpcAsync("add", null, upload: true));
        Assert.Equal(200, await RpcAsync("version", reader));
        Assert.Equal(200, await RpcAsync("pin/ls", reader));
        Assert.Equal(403, await RpcAsync("repo/gc", reader));
        Assert.Equal(401, await RpcAsync("version", null)); // protect_reads covers the content store's reads too
    }

    [Theory]
    [InlineData("rsa")]
    [InlineData("ec")]
    public async Task Rs256_and_es256_tokens_are_verified_from_the_public_key_file_and_nothing_else_passes(string kind)
    {
        CancellationToken ct = Timeout(120);
        await using var cluster = new TestCluster(validators: 1);
        using AsymmetricAlgorithm key = kind == "rsa" ? RSA.Create(2048) : ECDsa.Create(ECCurve.NamedCurves.nistP256);
        string publicPem = key is RSA r ? r.ExportSubjectPublicKeyInfoPem() : ((ECDsa)key).ExportSubjectPublicKeyInfoPem();
        string privatePem = key.ExportPkcs8PrivateKeyPem();
        await File.WriteAllTextAsync(Path.Combine(cluster.Dir, "jwt.pub.pem"), publicPem, ct);
        string privateFile = Path.Combine(cluster.Dir, "jwt.key.pem");
        await File.WriteAllTextAsync(privateFile, privatePem, ct);
        cluster.SetSecurity("authentication: true\njwt_secret: \"\"\njwt_public_key_file: ../jwt.pub.pem\njwt_audience: \"ledger\"\nrate_limit_per_minute: 600000");
        await cluster.StartAsync(ct);
        string config = Path.Combine(cluster.Dir, "node0", "config.yaml");

        (int exit, string token, string err) = await CliAsync(null, ct, "token", "--config", config, "--key", privateFile);
        Assert.True(exit == 0, err);
        string alg = JsonDocument.Parse(Convert.FromBase64String(Pad(token.Split('.')[0]))).RootElement.GetProperty("alg").GetString()!;
        Assert.Equal(kind == "rsa" ? "RS256" : "ES256", alg);
        Assert.Equal(200, (await PostAsync(cluster, token, ct)).Status);

        // Algorithm confusion: HS256 "signed" with the public key's PEM as the HMAC secret.
        string confused = Hs256(Header, $"{{\"sub\":\"m\",\"role\":\"write\",\"aud\":\"ledger\",\"exp\":{Now(600)}}}", Encoding.ASCII.GetBytes(publicPem));
        Assert.Equal(401, (await PostAsync(cluster, confused, ct)).Status);

        // Signed by another key of the same kind, or for another audience: refused.
        using AsymmetricAlgorithm other = kind == "rsa" ? RSA.Create(2048) : ECDsa.Create(ECCurve.NamedCurves.nistP256);
        string otherFile = Path.Combine(cluster.Dir, "other.key.pem");
        await File.WriteAllTextAsync(otherFile, other.ExportPkcs8PrivateKeyPem(), ct);
        (exit, _, err) = await CliAsync(null, ct, "token", "--config", config, "--key", otherFile);
        Assert.Equal(2, exit);
        Assert.Contains("does not match the public key", err, StringComparison.Ordinal);
        string forged = SignAsymmetric(other, alg, $"{{\"sub\":\"m\",\"role\":\"write\",\"aud\":\"ledger\",\"exp\":{Now(600)}}}");
        Assert.Equal(401, (await PostAsync(cluster, forged, ct)).Status);
        string wrongAudience = SignAsymmetric(key, alg, $"{{\"sub\":\"m\",\"role\":\"write\",\"aud\":\"other\",\"exp\":{Now(600)}}}");
        Assert.Equal(401, (await PostAsync(cluster, wrongAudience, ct)).Status);
        string right = SignAsymmetric(key, alg, $"{{\"sub\":\"m\",\"role\":\"write\",\"aud\":\"ledger\",\"exp\":{Now(600)}}}");
        Assert.Equal(200, (await PostAsync(cluster, right, ct)).Status);
    }

    private static string SignAsymmetric(AsymmetricAlgorithm key, string alg, string payload)
    {
        string input = Base64Url($"{{\"alg\":\"{alg}\",\"typ\":\"JWT\"}}") + "." + Base64Url(payload);
        byte[] data = Encoding.ASCII.GetBytes(input);
        byte[] signature = key is RSA rsa
            ? rsa.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            : ((ECDsa)key).SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return input + "." + Base64Url(signature);
    }

    private static async Task<(int Status, JsonElement Body)> PostAsync(TestCluster cluster, string? token, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, cluster.Url(0) + "/v1/tx?wait=commit")
        {
            Content = new StringContent($"{{\"op\":\"put\",\"key\":\"auth\",\"value\":\"v\",\"id\":\"{Guid.NewGuid():N}\"}}", Encoding.UTF8, "application/json"),
        };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using HttpResponseMessage r = await cluster.Http.SendAsync(request, ct);
        string text = await r.Content.ReadAsStringAsync(ct);
        return ((int)r.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    private static string Pad(string base64Url)
    {
        string b = base64Url.Replace('-', '+').Replace('_', '/');
        return b.PadRight(b.Length + ((4 - (b.Length % 4)) % 4), '=');
    }
}
