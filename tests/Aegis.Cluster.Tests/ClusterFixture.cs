using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Aegis.Cli.Cluster;
using Aegis.Cli.Testnet;

namespace Aegis.Cluster.Tests;

/// <summary>A fresh testnet of real `aegis run` processes on 127.0.0.1, with HTTP helpers; removed afterwards.</summary>
public sealed class TestCluster : IAsyncDisposable
{
    // Below Linux's ephemeral range (32768+), so no outgoing connection can already hold a port we want to listen on.
    private static int _nextPort = 20000 + (Environment.ProcessId % 40 * 300);

    public TestCluster(int validators = 4, string storage = "sqlite", bool tls = false, int observers = 0)
    {
        Dir = Path.Combine(Path.GetTempPath(), "aegis-cluster-" + Guid.NewGuid().ToString("N")[..8]);
        BasePort = Interlocked.Add(ref _nextPort, 100);
        TestnetGenerator.Write(Dir, validators, BasePort, storage, PostgresFactAttribute.Url, tls: tls, observers: observers);

        // Every node is a process: the validators, then the observers.
        Processes = new LocalClusterProcess(Dir, validators + observers, BasePort);
        if (storage == "postgresql")
        {
            // Each node keeps its tables in its own schema of the shared test database.
            Processes.Environment["AEGIS_DATABASE_URL"] = PostgresFactAttribute.Url ?? throw new InvalidOperationException("AEGIS_TEST_POSTGRES_URL is not set: scripts/test-postgres.sh start prints it");
            foreach (string config in Directory.GetFiles(Dir, "config.yaml", SearchOption.AllDirectories))
            {
                File.WriteAllText(config, File.ReadAllText(config).Replace("schema: \"aegis_node", $"schema: \"t{BasePort}_node", StringComparison.Ordinal));
            }
        }

        // Longer than the node's own bound on ?wait=commit (api.commit_wait_ms, 30 s): a slow commit shows as the node's
        // answer (commit_timeout, poll), not as the test's HttpClient giving up first at the same instant.
        Http = Aegis.Node.Security.ApiHttp.Create(Processes.CaCertFile, TimeSpan.FromSeconds(60));
    }

    public string Dir { get; }

    public int BasePort { get; }

    public LocalClusterProcess Processes { get; }

    public HttpClient Http { get; }

    public int Count => Processes.Validators;

    public string Url(int i) => Processes.ApiUrl(i);

    public async Task StartAsync(CancellationToken ct)
    {
        Processes.StartAll();
        if (!await Processes.WaitReadyAsync(TimeSpan.FromSeconds(60), ct))
        {
            throw new InvalidOperationException("cluster did not become ready:\n" + Logs());
        }
    }

    public string Logs() => string.Join("\n", Enumerable.Range(0, Count).Select(i => $"--- node{i} ---\n" + (File.Exists(Processes.LogPath(i)) ? string.Join("\n", File.ReadLines(Processes.LogPath(i)).TakeLast(30)) : "(no log)")));

    public async Task<(int Status, JsonElement Body)> PostTxAsync(int node, string key, string value, bool wait, CancellationToken ct, string? id = null)
    {
        string json = JsonSerializer.Serialize(new Dictionary<string, string?> { ["op"] = "put", ["key"] = key, ["value"] = value, ["id"] = id });
        return await PostRawAsync(node, wait ? "/v1/tx?wait=commit" : "/v1/tx", json, ct);
    }

    public async Task<(int Status, JsonElement Body)> PostRawAsync(int node, string path, string body, CancellationToken ct)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using HttpResponseMessage r = await Http.PostAsync(Url(node) + path, content, ct);
        string text = await r.Content.ReadAsStringAsync(ct);
        return ((int)r.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    public async Task<JsonElement?> GetAsync(int node, string path, CancellationToken ct)
    {
        try
        {
            using HttpResponseMessage r = await Http.GetAsync(Url(node) + path, ct);
            return r.IsSuccessStatusCode ? JsonDocument.Parse(await r.Content.ReadAsStringAsync(ct)).RootElement.Clone() : null;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    public async Task<ulong> HeightAsync(int node, CancellationToken ct) =>
        await GetAsync(node, "/status", ct) is { } s ? s.GetProperty("block_height").GetUInt64() : 0;

    /// <summary>Waits until every listed node reaches at least <paramref name="height"/>.</summary>
    public async Task WaitForHeightAsync(IEnumerable<int> nodes, ulong height, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        int[] list = [.. nodes];
        while (DateTime.UtcNow < deadline)
        {
            bool all = true;
            foreach (int i in list)
            {
                if (await HeightAsync(i, ct) < height)
                {
                    all = false;
                    break;
                }
            }

            if (all)
            {
                return;
            }

            await Task.Delay(200, ct);
        }

        throw new TimeoutException($"nodes {string.Join(",", list)} did not reach height {height} within {timeout}:\n" + Logs());
    }

    /// <summary>Every node reports the same block hash at every height up to the lowest tip; returns that height.</summary>
    public async Task<ulong> AssertSameChainAsync(CancellationToken ct)
    {
        ulong tip = ulong.MaxValue;
        for (int i = 0; i < Count; i++)
        {
            tip = Math.Min(tip, await HeightAsync(i, ct));
        }

        for (ulong h = 1; h <= tip; h++)
        {
            string? first = null;
            for (int i = 0; i < Count; i++)
            {
                JsonElement block = await GetAsync(i, $"/v1/blocks/{h}", ct) ?? throw new InvalidOperationException($"node{i} has no block {h}");
                string hash = block.GetProperty("hash").GetString()!;
                first ??= hash;
                Assert.True(first == hash, $"node{i} has block {hash} at height {h}, node0 has {first}");
            }
        }

        return tip;
    }

    public async ValueTask DisposeAsync()
    {
        await Processes.DisposeAsync();
        Http.Dispose();
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
