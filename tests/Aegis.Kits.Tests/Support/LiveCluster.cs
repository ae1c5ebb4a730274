using System.Net;
using System.Net.Sockets;
using System.Text;
using Aegis.Cli.Cluster;
using Aegis.Cli.Testnet;

namespace Aegis.Kits.Tests.Support;

/// <summary>
/// A 4-validator testnet of real `aegis run` processes on 127.0.0.1, started once for the kit tests that compare
/// the kits with what a node really exports. Its ports are picked free at run time.
/// </summary>
public sealed class LiveCluster : IAsyncLifetime, IDisposable
{
    public const int Validators = 4;

    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(20) };

    public string Dir { get; } = Repo.TempDir("cluster");

    public int BasePort { get; } = FreeBasePort();

    public LocalClusterProcess Processes { get; private set; } = null!;

    public int MetricsPort(int i) => BasePort + (10 * i) + 2;

    public int P2pPort(int i) => BasePort + (10 * i);

    public string ApiUrl(int i) => Processes.ApiUrl(i);

    public async Task InitializeAsync()
    {
        TestnetGenerator.Write(Dir, Validators, BasePort, "sqlite", null);
        Processes = new LocalClusterProcess(Dir, Validators, BasePort);
        Processes.StartAll();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        if (!await Processes.WaitReadyAsync(TimeSpan.FromSeconds(80), cts.Token))
        {
            throw new InvalidOperationException("the cluster did not become ready:\n" + Logs());
        }

        // A few committed transactions, so histograms and rates have samples.
        for (int i = 0; i < 5; i++)
        {
            using var body = new StringContent($"{{\"op\":\"put\",\"key\":\"kits-{i}\",\"value\":\"v{i}\"}}", Encoding.UTF8, "application/json");
            using HttpResponseMessage r = await _http.PostAsync(ApiUrl(i % Validators) + "/v1/tx?wait=commit", body, cts.Token);
            r.EnsureSuccessStatusCode();
        }
    }

    public async Task<string> MetricsAsync(int node = 0) => await _http.GetStringAsync($"http://127.0.0.1:{MetricsPort(node)}/metrics");

    public async Task<int> ReadyStatusAsync(int node)
    {
        using HttpResponseMessage r = await _http.GetAsync($"http://127.0.0.1:{MetricsPort(node)}/ready");
        return (int)r.StatusCode;
    }

    public string Logs() => string.Join("\n", Enumerable.Range(0, Validators).Select(i =>
        $"--- node{i} ---\n" + (File.Exists(Processes.LogPath(i)) ? string.Join("\n", File.ReadLines(Processes.LogPath(i)).TakeLast(20)) : "(no log)")));

    public void Dispose() => _http.Dispose();

    public async Task DisposeAsync()
    {
        await Processes.DisposeAsync();
        _http.Dispose();
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>A base port P whose 12 ports (P+10i … P+10i+2) are free now; below the ephemeral range.</summary>
    private static int FreeBasePort()
    {
        for (int attempt = 0; attempt < 200; attempt++)
        {
            int candidate = Random.Shared.Next(2000, 3200) * 10;
            int[] ports = [.. Enumerable.Range(0, Validators).SelectMany(i => new[] { candidate + (10 * i), candidate + (10 * i) + 1, candidate + (10 * i) + 2 })];
            if (ports.All(IsFree))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("no free block of ports for a testnet");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var l = new TcpListener(IPAddress.Loopback, port);
            l.Start();
            l.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}

[CollectionDefinition(Name)]
public sealed class LiveClusterCollection : ICollectionFixture<LiveCluster>
{
    public const string Name = "live cluster";
}
