using System.Text.Json;

namespace Aegis.Cluster.Tests;

/// <summary>A non-voting node beside four validators: it follows a loaded cluster, serves reads, and counts toward no quorum.</summary>
public class ObserverTests
{
    [Fact]
    public async Task An_observer_follows_a_loaded_cluster_serves_reads_and_does_not_count_toward_quorum()
    {
        CancellationToken ct = new CancellationTokenSource(TimeSpan.FromSeconds(180)).Token;
        await using var cluster = new TestCluster(observers: 1);
        await cluster.StartAsync(ct);
        const int observer = 4;

        JsonElement status = (await cluster.GetAsync(observer, "/status", ct))!.Value;
        Assert.Equal("observer", status.GetProperty("role").GetString());
        Assert.Equal(4, status.GetProperty("validators").GetInt32());
        Assert.Equal(4, status.GetProperty("validator_peers").GetInt32());
        JsonElement validatorStatus = (await cluster.GetAsync(0, "/status", ct))!.Value;
        Assert.Equal("validator", validatorStatus.GetProperty("role").GetString());
        Assert.Equal(3, validatorStatus.GetProperty("validator_peers").GetInt32());
        Assert.Equal(1, validatorStatus.GetProperty("observer_peers").GetInt32());

        // Load through the validators and, forwarded, through the observer itself.
        Load.Result load = await Load.RunAsync(cluster, [0, 1, 2, observer], count: 200, concurrency: 8, "obs", ct);
        Assert.True(load.Acknowledged.Count == 200, $"{load.Failed} failed:\n" + cluster.Logs());
        ulong top = load.Acknowledged.Values.Max();
        await cluster.WaitForHeightAsync([0, 1, 2, 3, observer], top, TimeSpan.FromSeconds(60), ct);
        await cluster.AssertSameChainAsync(ct);

        // The whole read API from verified data: blocks with certificates, transactions, values, metrics, dashboard.
        string hash = load.Acknowledged.Keys.First();
        JsonElement tx = (await cluster.GetAsync(observer, $"/v1/tx/{hash}", ct))!.Value;
        Assert.Equal(load.Acknowledged[hash], tx.GetProperty("height").GetUInt64());
        Assert.Equal("v17", (await cluster.GetAsync(observer, "/v1/kv/obs-17", ct))!.Value.GetProperty("value").GetString());
        JsonElement latest = (await cluster.GetAsync(observer, "/v1/blocks/latest", ct))!.Value;
        Assert.True(latest.GetProperty("certificate").GetProperty("signatures").GetArrayLength() >= 3);
        using (HttpResponseMessage metrics = await cluster.Http.GetAsync(cluster.Url(observer) + "/metrics", ct))
        {
            string text = await metrics.Content.ReadAsStringAsync(ct);
            Assert.Contains("aegis_block_height", text);
        }

        using (HttpResponseMessage page = await cluster.Http.GetAsync(cluster.Url(observer) + "/", ct))
        {
            Assert.True(page.IsSuccessStatusCode);
        }

        // Two validators down: the two left and the observer make three nodes, but only two validators — no quorum.
        await cluster.Processes.KillAsync(2);
        await cluster.Processes.KillAsync(3);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        (int Status, JsonElement Body) refused;
        do
        {
            refused = await cluster.PostTxAsync(0, "noquorum", "x", wait: false, ct);
        }
        while (refused.Status != 503 && DateTime.UtcNow < deadline && await Delay(ct));

        Assert.Equal(503, refused.Status);
        Assert.Contains("2 of 3 validators reachable", refused.Body.GetProperty("message").GetString());
        Assert.Equal(503, (await cluster.PostTxAsync(observer, "noquorum", "x", wait: false, ct)).Status);

        // The observer keeps serving what it verified.
        Assert.Equal("v17", (await cluster.GetAsync(observer, "/v1/kv/obs-17", ct))!.Value.GetProperty("value").GetString());
    }

    private static async Task<bool> Delay(CancellationToken ct)
    {
        await Task.Delay(300, ct);
        return true;
    }
}
