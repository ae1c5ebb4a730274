using Aegis.Cli.Cluster;
using Aegis.Cli.Testnet;

namespace Aegis.Content.Tests.Support;

/// <summary>A fresh testnet of real `aegis run` processes on 127.0.0.1 (SQLite or PostgreSQL); stopped and removed afterwards.</summary>
public sealed class NodeCluster : IAsyncDisposable
{
    private NodeCluster(string dir, int validators, int basePort)
    {
        Dir = dir;
        Processes = new LocalClusterProcess(dir, validators, basePort);
    }

    public string Dir { get; }

    public LocalClusterProcess Processes { get; }

    public int Count => Processes.Validators;

    public string Url(int i) => Processes.ApiUrl(i);

    public string DataDir(int i) => Path.Combine(Dir, $"node{i}", "data");

    /// <param name="extraConfig">YAML appended to every node's config.yaml (a section the testnet does not write).</param>
    public static async Task<NodeCluster> StartAsync(int validators, CancellationToken ct, string storage = "sqlite", string? connectionString = null, string? extraConfig = null)
    {
        string dir = Path.Combine(Path.GetTempPath(), "aegis-chat-" + Guid.NewGuid().ToString("N")[..8]);
        int basePort = FreePorts.TestnetBase(validators);
        TestnetGenerator.Write(dir, validators, basePort, storage, connectionString);
        if (extraConfig is not null)
        {
            for (int i = 0; i < validators; i++)
            {
                File.AppendAllText(TestnetGenerator.ConfigPath(dir, i), "\n" + extraConfig);
            }
        }

        var cluster = new NodeCluster(dir, validators, basePort);
        if (storage == "postgresql")
        {
            cluster.Processes.Environment["AEGIS_DATABASE_URL"] = connectionString!;
            foreach (string config in Directory.GetFiles(dir, "config.yaml", SearchOption.AllDirectories))
            {
                File.WriteAllText(config, File.ReadAllText(config).Replace("schema: \"aegis_node", $"schema: \"c{basePort}_node", StringComparison.Ordinal));
            }
        }

        cluster.Processes.StartAll();
        if (!await cluster.Processes.WaitReadyAsync(TimeSpan.FromSeconds(90), ct))
        {
            string logs = cluster.Logs();
            await cluster.DisposeAsync();
            throw new InvalidOperationException("cluster did not become ready:\n" + logs);
        }

        return cluster;
    }

    public string Logs() => string.Join("\n", Enumerable.Range(0, Count).Select(i => $"--- node{i} ---\n" + (File.Exists(Processes.LogPath(i)) ? string.Join("\n", File.ReadLines(Processes.LogPath(i)).TakeLast(40)) : "(no log)")));

    public async ValueTask DisposeAsync()
    {
        await Processes.DisposeAsync();
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
