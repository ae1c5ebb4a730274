using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Aegis.Cli.Testnet;

namespace Aegis.Cluster.Tests.Dashboard;

/// <summary>The dashboard never calls a validator "up" on the word of its P2P link alone while a configured API URL that could be its own has never answered.</summary>
public class DashboardHealthTests
{
    [Fact]
    public async Task A_validator_whose_configured_api_never_answers_is_degraded_not_up()
    {
        CancellationToken ct = new CancellationTokenSource(TimeSpan.FromSeconds(120)).Token;
        await using var cluster = new TestCluster();

        // A port that accepts connections and never answers stands in for node 2's API in node 0's config.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var held = new List<TcpClient>();
        _ = Task.Run(async () =>
        {
            while (!ct.IsCancellationRequested)
            {
                TcpClient c = await silent.AcceptTcpClientAsync(ct);
                lock (held)
                {
                    held.Add(c);
                }
            }
        }, ct);
        string silentUrl = $"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}";
        string config = TestnetGenerator.ConfigPath(cluster.Dir, 0);
        string text = File.ReadAllText(config);
        string node2 = cluster.Url(2);
        Assert.Contains($"\"{node2}\"", text);
        File.WriteAllText(config, text.Replace($"\"{node2}\"", $"\"{silentUrl}\"", StringComparison.Ordinal));
        await cluster.StartAsync(ct);

        // Once nodes 1 and 3 show up from their answers, node 2 — connected over P2P, its URL silent — must not.
        var watch = Stopwatch.StartNew();
        JsonElement[] validators = [];
        while (watch.Elapsed < TimeSpan.FromSeconds(60))
        {
            validators = [.. (await cluster.GetAsync(0, "/v1/dashboard", ct))!.Value.GetProperty("validators").EnumerateArray()];
            if (validators.Count(v => v.GetProperty("index").GetInt32() is 1 or 3 && v.GetProperty("health").GetString() == "up") == 2
                && validators.Single(v => v.GetProperty("index").GetInt32() == 2).GetProperty("health").GetString() != "unknown")
            {
                break;
            }

            await Task.Delay(250, ct);
        }

        JsonElement v2 = validators.Single(v => v.GetProperty("index").GetInt32() == 2);
        Assert.True(v2.GetProperty("health").GetString() == "degraded", v2.ToString());
        Assert.Contains(silentUrl, v2.GetProperty("health_reason").GetString());
        Assert.Contains("never answered", v2.GetProperty("health_reason").GetString());
        lock (held)
        {
            held.ForEach(c => c.Dispose());
        }
    }
}
