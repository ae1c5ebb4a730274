using System.Net.Sockets;
using Aegis.Core.Consensus;
using Aegis.Node.Configuration;
using Aegis.Node.Hosting;
using Aegis.Storage;
using Aegis.Storage.Sqlite;

namespace Aegis.Cli.Commands.Operations;

/// <summary>A node's config, genesis and storage settings as the operations verbs need them (no key: they do not act as the node).</summary>
internal sealed record NodeStoreAccess(AegisConfig Config, Genesis Genesis, StorageOptions Storage)
{
    public string Engine => Storage.NormalizedType;

    public string NodeId => Config.Node.Id;

    /// <summary>Loads the config and genesis; null with one line per problem on stderr (exit 2) otherwise.</summary>
    public static NodeStoreAccess? Load(string verb, string configPath, out int exit)
    {
        exit = CliApp.Ok;
        ConfigResult loaded = ConfigLoader.Load(configPath, ConfigLoader.ProcessEnvironment());
        if (!loaded.Ok)
        {
            exit = CliErrors.Report(verb, loaded.Problems);
            return null;
        }

        AegisConfig config = loaded.Config!;
        var problems = new List<string>();
        Genesis? genesis = NodeHost.LoadGenesis(config, problems);
        if (problems.Count > 0 || genesis is null)
        {
            exit = CliErrors.Report(verb, problems);
            return null;
        }

        return new NodeStoreAccess(config, genesis, config.ToStorageOptions(genesis.Hash));
    }

    /// <summary>
    /// Opens the node's existing store for reading; null with the reason when there is none (a SQLite file that does
    /// not exist is not created).
    /// </summary>
    public async Task<(INodeStore? Store, string? Problem)> OpenExistingAsync(CancellationToken ct)
    {
        if (Engine == StorageOptions.Sqlite && !File.Exists(Path.Combine(Path.GetFullPath(Storage.DataDirectory!), SqliteNodeStore.FileName)))
        {
            return (null, $"no store at {Path.Combine(Path.GetFullPath(Storage.DataDirectory!), SqliteNodeStore.FileName)} (node.data_dir holds no aegis.db)");
        }

        INodeStore store = StoreFactory.Create(Storage);
        try
        {
            await store.InitializeAsync(ct);
            return (store, null);
        }
        catch (StorageException ex)
        {
            await store.DisposeAsync();
            return (null, ex.Message);
        }
    }

    /// <summary>Whether something answers on the node's API port: the node is (probably) running.</summary>
    public async Task<bool> NodeListensAsync(CancellationToken ct)
    {
        string host = Config.Api.Host is "0.0.0.0" or "::" or "" ? "127.0.0.1" : Config.Api.Host;
        using var client = new TcpClient();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(2));
        try
        {
            await client.ConnectAsync(host, Config.Api.Port, timeout.Token);
            return true;
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            return false;
        }
    }
}
