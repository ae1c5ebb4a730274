using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text.Json;
using Aegis.Cluster.Tests;
using static Aegis.Perimeter.Tests.Support.Perimeter;

namespace Aegis.Perimeter.Tests;

/// <summary>A `--tls` testnet: clients verify every node with the testnet's CA, plain HTTP gets nothing, and reads follow writes across nodes with min_height.</summary>
public class TlsTests
{
    [Fact]
    public async Task A_tls_cluster_verifies_with_its_ca_refuses_plain_http_and_serves_read_your_writes_on_every_node()
    {
        CancellationToken ct = Timeout(180);
        await using var cluster = new TestCluster(validators: 4, tls: true);
        string ca = Path.Combine(cluster.Dir, "ca.crt");
        Assert.True(File.Exists(ca));
        Assert.StartsWith("https://", cluster.Url(0), StringComparison.Ordinal);
        await cluster.StartAsync(ct);

        // The CLI verifies with --cacert; without it the private CA is not trusted and the verb fails.
        (int exit, string output, string err) = await CliAsync(null, ct, "status", "--url", cluster.Url(1), "--cacert", ca);
        Assert.True(exit == 0, err);
        Assert.Equal("node-1", JsonDocument.Parse(output).RootElement.GetProperty("node_id").GetString());
        (exit, _, err) = await CliAsync(null, ct, "status", "--url", cluster.Url(1));
        Assert.Equal(1, exit);
        Assert.Contains("SSL", err, StringComparison.OrdinalIgnoreCase);
        (exit, output, err) = await CliAsync(null, ct, "tx", "put", "tls-key", "tls-value", "--wait", "--url", cluster.Url(2), "--cacert", ca);
        Assert.True(exit == 0, err);
        ulong written = JsonDocument.Parse(output).RootElement.GetProperty("height").GetUInt64();
        (exit, output, err) = await CliAsync(null, ct, "tx", "get", "tls-key", "--url", cluster.Url(3), "--cacert", ca, "--min-height", written.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(exit == 0, err);
        Assert.Equal("tls-value", JsonDocument.Parse(output).RootElement.GetProperty("value").GetString());

        // Another CA's certificate does not verify these nodes.
        string otherCa = Path.Combine(cluster.Dir, "other-ca");
        Directory.CreateDirectory(otherCa);
        Aegis.Cli.Tls.LocalCertificateAuthority.WriteCa(otherCa, "other");
        (exit, _, _) = await CliAsync(null, ct, "status", "--url", cluster.Url(0), "--cacert", Path.Combine(otherCa, "ca.crt"));
        Assert.Equal(1, exit);

        // Plain HTTP is not served on the TLS API port, nor on the metrics port.
        foreach (int port in new[] { cluster.BasePort + 1, cluster.BasePort + 2 })
        {
            using var plain = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            await Assert.ThrowsAnyAsync<HttpRequestException>(() => plain.GetAsync($"http://127.0.0.1:{port}/status", ct));
        }

        Assert.Contains("aegis_block_height", await cluster.Http.GetStringAsync($"https://127.0.0.1:{cluster.BasePort + 2}/metrics", ct), StringComparison.Ordinal);

        // dashboard.peer_ca_file: node 0's dashboard polls the other nodes' https APIs and verifies them with the
        // testnet's CA, so it shows their own height and health rather than only what P2P tells it.
        string seen = "";
        var polled = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            seen = await cluster.Http.GetStringAsync(cluster.Url(0) + "/v1/dashboard", ct);
            JsonElement[] others = [.. JsonDocument.Parse(seen).RootElement.GetProperty("validators").EnumerateArray().Where(v => !v.GetProperty("self").GetBoolean())];
            if (others.Length == 3 && others.All(v => v.GetProperty("health").GetString() == "up" && v.GetProperty("height").ValueKind == JsonValueKind.Number && v.GetProperty("api_url").GetString()!.StartsWith("https://", StringComparison.Ordinal)))
            {
                break;
            }

            Assert.True(polled.Elapsed < TimeSpan.FromSeconds(30), $"node 0's dashboard did not reach its peers' APIs over TLS within 30 s: {seen}");
            await Task.Delay(500, ct);
        }

        // Read-your-writes on any node: each write acknowledged by one node is read at once from another with min_height.
        for (int i = 0; i < 40; i++)
        {
            (int status, JsonElement put) = await cluster.PostTxAsync(i % 4, $"ryw-{i}", $"v{i}", wait: true, ct);
            Assert.Equal(200, status);
            ulong h = put.GetProperty("height").GetUInt64();
            using HttpResponseMessage read = await cluster.Http.GetAsync(cluster.Url((i + 1) % 4) + $"/v1/kv/ryw-{i}?min_height={h}", ct);
            Assert.True(read.StatusCode == HttpStatusCode.OK, $"write {i} at height {h} via node{i % 4}, read via node{(i + 1) % 4}: {(int)read.StatusCode} {await read.Content.ReadAsStringAsync(ct)}");
            Assert.Equal($"v{i}", JsonDocument.Parse(await read.Content.ReadAsStringAsync(ct)).RootElement.GetProperty("value").GetString());
        }
    }

    [Fact]
    public async Task With_min_version_1_3_a_tls_1_2_client_is_refused()
    {
        CancellationToken ct = Timeout(120);
        await using var cluster = new TestCluster(validators: 1, tls: true);
        cluster.EditConfigs(yaml => yaml.Replace("min_version: \"1.2\"", "min_version: \"1.3\"", StringComparison.Ordinal));
        await cluster.StartAsync(ct);

        async Task<SslProtocols?> HandshakeAsync(SslProtocols offered)
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(IPAddress.Loopback, cluster.BasePort + 1, ct);
            using System.Security.Cryptography.X509Certificates.X509Certificate2 ca = Aegis.Node.Security.ApiHttp.LoadCa(Path.Combine(cluster.Dir, "ca.crt"));
            await using var tls = new SslStream(tcp.GetStream(), false, (_, certificate, _, _) =>
                certificate is System.Security.Cryptography.X509Certificates.X509Certificate2 c && Aegis.Node.Security.ApiHttp.ChainsTo(ca, c));
            try
            {
                await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "127.0.0.1", EnabledSslProtocols = offered }, ct);
                return tls.SslProtocol;
            }
            catch (Exception ex) when (ex is AuthenticationException or IOException)
            {
                return null;
            }
        }

        Assert.Equal(SslProtocols.Tls13, await HandshakeAsync(SslProtocols.Tls12 | SslProtocols.Tls13));
        Assert.Null(await HandshakeAsync(SslProtocols.Tls12));
    }
}
