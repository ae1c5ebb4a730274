using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Aegis.Core.Crypto;
using Aegis.Network;

namespace Aegis.Cluster.Tests;

/// <summary>Hostile or broken input at every boundary of a running node: each gets a clear answer and the node keeps serving.</summary>
public class BadInputTests
{
    private static CancellationToken Timeout(int seconds) => new CancellationTokenSource(TimeSpan.FromSeconds(seconds)).Token;

    [Fact]
    public async Task Garbage_http_bodies_unknown_fields_huge_keys_and_oversized_bodies_get_clear_errors()
    {
        CancellationToken ct = Timeout(90);
        await using var cluster = new TestCluster(validators: 1);
        await cluster.StartAsync(ct);

        async Task Expect(string body, int status, string needle)
        {
            (int code, JsonElement json) = await cluster.PostRawAsync(0, "/v1/tx", body, ct);
            Assert.Equal(status, code);
            Assert.Contains(needle, json.GetProperty("message").GetString(), StringComparison.Ordinal);
            Assert.False(string.IsNullOrEmpty(json.GetProperty("error").GetString()));
        }

        await Expect("this is not json", 400, "not a valid transaction");
        await Expect("{\"op\":\"put\",\"key\":\"k\",\"value\":\"v\",\"colour\":\"red\"}", 400, "colour");
        await Expect("{\"op\":\"upsert\",\"key\":\"k\",\"value\":\"v\"}", 400, "op:");
        await Expect("{\"op\":\"put\",\"value\":\"v\"}", 400, "key:");
        await Expect($"{{\"op\":\"put\",\"key\":\"{new string('k', 600)}\",\"value\":\"v\"}}", 400, "key:");
        await Expect("{\"op\":\"del\",\"key\":\"k\",\"value\":\"v\"}", 400, "value:");
        (int tooLarge, _) = await cluster.PostRawAsync(0, "/v1/tx", $"{{\"op\":\"put\",\"key\":\"k\",\"value\":\"{new string('v', 2 * 1024 * 1024)}\"}}", ct);
        Assert.Equal(413, tooLarge);

        using HttpResponseMessage badHash = await cluster.Http.GetAsync(cluster.Url(0) + "/v1/tx/xyz", ct);
        Assert.Equal(HttpStatusCode.BadRequest, badHash.StatusCode);
        using HttpResponseMessage missing = await cluster.Http.GetAsync(cluster.Url(0) + "/v1/kv/never-set", ct);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        using HttpResponseMessage beyond = await cluster.Http.GetAsync(cluster.Url(0) + "/v1/blocks/999999", ct);
        Assert.Equal(HttpStatusCode.NotFound, beyond.StatusCode);

        // Still a working node.
        (int ok, JsonElement committed) = await cluster.PostTxAsync(0, "after", "garbage", wait: true, ct);
        Assert.Equal(200, ok);
        Assert.True(committed.GetProperty("height").GetUInt64() >= 1);

        // Resubmitting the same transaction returns the same hash and is applied once.
        (int again, JsonElement same) = await cluster.PostTxAsync(0, "after", "garbage", wait: true, ct);
        Assert.Equal(200, again);
        Assert.Equal(committed.GetProperty("tx_hash").GetString(), same.GetProperty("tx_hash").GetString());
        Assert.Equal(committed.GetProperty("height").GetUInt64(), same.GetProperty("height").GetUInt64());
    }

    [Fact]
    public async Task Garbage_oversized_frames_wrong_chains_and_unknown_keys_on_the_p2p_port_are_refused_and_counted()
    {
        CancellationToken ct = Timeout(90);
        await using var cluster = new TestCluster(validators: 1);
        await cluster.StartAsync(ct);
        var p2p = new IPEndPoint(IPAddress.Loopback, cluster.BasePort);

        // Garbage instead of HELLO, and a frame header claiming 4 GiB.
        await SendRawAsync(p2p, [.. "GET / HTTP/1.1\r\n\r\n"u8], ct);
        await SendRawAsync(p2p, [0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3], ct);

        // A well-formed handshake for another chain.
        using EcdsaP256Signer stranger = EcdsaP256Signer.Generate();
        var wrongChain = new SecureTransport("another-chain", stranger, _ => PeerRole.Validator);
        await Assert.ThrowsAsync<HandshakeException>(() => wrongChain.ConnectAsync(p2p, null, ct));

        // An unknown key on the right chain is let in as an observer only, and garbage from it is dropped.
        string chainId = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(cluster.Dir, "genesis.json"), ct)).RootElement.GetProperty("chain_id").GetString()!;
        var observer = new SecureTransport(chainId, stranger, _ => PeerRole.Validator);
        await using SecureChannel channel = await observer.ConnectAsync(p2p, null, ct);
        await Task.Delay(300, ct);
        JsonElement peers = (await cluster.GetAsync(0, "/v1/peers", ct))!.Value;
        Assert.Contains(peers.EnumerateArray(), p => p.GetProperty("role").GetString() == "observer");
        await channel.SendAsync(new byte[] { 0x99, 1, 2, 3 }, ct);
        await channel.SendAsync(new byte[] { 1, 0xFF }, ct);

        await Task.Delay(500, ct);
        string metrics = await cluster.Http.GetStringAsync(cluster.Url(0) + "/metrics", ct);
        double authFailures = MetricValue(metrics, "aegis_auth_failures_total");
        Assert.True(authFailures >= 3, $"aegis_auth_failures_total is {authFailures}");
        Assert.Contains("aegis_consensus_failures_total{kind=\"malformed_message\"}", metrics, StringComparison.Ordinal);

        (int ok, _) = await cluster.PostTxAsync(0, "still", "alive", wait: true, ct);
        Assert.Equal(200, ok);
    }

    [Fact]
    public async Task A_batch_commits_its_good_transactions_and_answers_each_bad_one_on_its_own()
    {
        CancellationToken ct = Timeout(90);
        await using var cluster = new TestCluster(validators: 1);
        await cluster.StartAsync(ct);

        var items = Enumerable.Range(0, 500).Select(i => $"{{\"op\":\"put\",\"key\":\"batch-{i}\",\"value\":\"{i}\"}}").ToList();
        items.Insert(7, "{\"op\":\"nope\",\"key\":\"x\"}");
        (int status, JsonElement body) = await cluster.PostRawAsync(0, "/v1/txs?wait=commit", "[" + string.Join(",", items) + "]", ct);

        Assert.Equal(200, status);
        Assert.Equal(500, body.GetProperty("accepted").GetInt32());
        JsonElement[] results = [.. body.GetProperty("results").EnumerateArray()];
        Assert.Equal(501, results.Length);
        Assert.Contains("op:", results[7].GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.All(results.Where((_, i) => i != 7), r => Assert.True(r.GetProperty("height").GetUInt64() >= 1));
        Assert.Equal("499", (await cluster.GetAsync(0, "/v1/kv/batch-499", ct))!.Value.GetProperty("value").GetString());

        (int empty, _) = await cluster.PostRawAsync(0, "/v1/txs", "[]", ct);
        Assert.Equal(400, empty);
    }

    [Fact]
    public async Task Metrics_expose_the_contract_names()
    {
        CancellationToken ct = Timeout(60);
        await using var cluster = new TestCluster(validators: 1);
        await cluster.StartAsync(ct);
        await cluster.PostTxAsync(0, "m", "1", wait: true, ct);

        // Served on the API port and on the metrics port.
        string api = await cluster.Http.GetStringAsync(cluster.Url(0) + "/metrics", ct);
        string monitoring = await cluster.Http.GetStringAsync($"http://127.0.0.1:{cluster.BasePort + 2}/metrics", ct);
        foreach (string name in new[] { "aegis_block_height", "aegis_consensus_view", "aegis_txs_committed_total", "aegis_commit_latency_seconds_bucket", "aegis_mempool_size", "aegis_p2p_connected_peers", "aegis_storage_commit_seconds_count", "aegis_node_info{node_id=\"node-0\"" })
        {
            Assert.Contains(name, api, StringComparison.Ordinal);
            Assert.Contains(name, monitoring, StringComparison.Ordinal);
        }

        Assert.True(MetricValue(api, "aegis_block_height") >= 1);
    }

    private static async Task SendRawAsync(IPEndPoint endPoint, byte[] bytes, CancellationToken ct)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(endPoint, ct);
        NetworkStream stream = client.GetStream();
        await stream.WriteAsync(bytes, ct);
        var buffer = new byte[256];
        try
        {
            // The node closes the connection; reading sees the end (or a reset).
            while (await stream.ReadAsync(buffer, ct) > 0)
            {
            }
        }
        catch (IOException)
        {
        }
    }

    /// <summary>The sum of every series of a metric (one series if it has no labels).</summary>
    private static double MetricValue(string text, string name) =>
        text.Split('\n').Where(l => l.StartsWith(name + " ", StringComparison.Ordinal) || l.StartsWith(name + "{", StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
}
