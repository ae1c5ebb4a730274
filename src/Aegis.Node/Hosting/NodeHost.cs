using System.Net;
using Aegis.Core.Consensus;
using Aegis.Core.Crypto;
using Aegis.Network;
using Aegis.Node.Api;
using Aegis.Node.Configuration;
using Aegis.Node.Dashboard;
using Aegis.Node.Identity;
using Aegis.Node.Monitoring;
using Aegis.Node.Runtime;
using Aegis.Node.Security;
using Aegis.Node.StateSync;
using Aegis.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Aegis.Node.Hosting;

/// <summary>
/// Wires one node: genesis and key → storage → metrics → consensus runtime → peer network → HTTP (API on api.port,
/// /metrics /health /ready also on monitoring.metrics_port). Runs until the token is cancelled (Ctrl+C, SIGTERM).
/// </summary>
public static class NodeHost
{
    /// <summary>Loads what the config points at (the caller owns the signer and the credentials); returns one line per problem instead of throwing.</summary>
    public static (Genesis? Genesis, EcdsaP256Signer? Signer, ApiCredentials Credentials, List<string> Problems) LoadIdentity(AegisConfig config)
    {
        var problems = new List<string>();
        Genesis? genesis = LoadGenesis(config, problems);
        EcdsaP256Signer? signer = null;
        try
        {
            signer = KeyFile.Read(config.Node.KeyFile, string.IsNullOrEmpty(config.Security.EncryptionKey) ? null : config.Security.EncryptionKey);
        }
        catch (Exception ex) when (ex is IOException or FormatException or UnauthorizedAccessException)
        {
            problems.Add($"node.key_file: {ex.Message}");
        }

        if (genesis is not null)
        {
            problems.AddRange(GenesisAgreement.Check(config.Consensus, genesis.Parameters, config.GenesisFile));
        }

        // What the API listeners will serve with, so 'config check' reports a bad key or certificate too.
        ApiCredentials credentials = ApiCredentials.Load(config, problems);

        if (genesis is not null && signer is not null && genesis.Validators.FindByKey(signer.PublicKey) is null && !config.ObserversAllowed())
        {
            problems.Add($"node.key_file: key {signer.PublicKey.Fingerprint.ToShortString()} is not a validator in {config.GenesisFile}, and observers are not allowed here (p2p.allow_observers is false, or unset with node.environment production; a key outside the validator set runs as an observer)");
        }

        return (genesis, signer, credentials, problems);
    }

    /// <summary>Reads and parses <c>genesis_file</c>; null after adding one line per problem to <paramref name="problems"/>.</summary>
    public static Genesis? LoadGenesis(AegisConfig config, List<string> problems)
    {
        if (!File.Exists(config.GenesisFile))
        {
            problems.Add($"genesis_file: {config.GenesisFile} — file not found");
            return null;
        }

        Genesis? genesis = GenesisDocument.Parse(File.ReadAllText(config.GenesisFile), out List<string> genesisProblems);
        problems.AddRange(genesisProblems.Select(p => $"{config.GenesisFile}: {p}"));
        return genesis;
    }

    public static async Task RunAsync(AegisConfig config, Genesis genesis, EcdsaP256Signer signer, ApiCredentials credentials, CancellationToken ct)
    {
        // A key outside the genesis validator set makes this node an observer: it follows and verifies, never votes.
        Validator? self = genesis.Validators.FindByKey(signer.PublicKey);
        string nodeId = !string.IsNullOrEmpty(config.Node.Id) ? config.Node.Id : self?.Id ?? "observer-" + signer.PublicKey.Fingerprint.ToShortString();

        using var apiMetrics = new ApiMetrics(config.Security.RateLimitPerMinute, config.Api.MaxConnectionsPerIp);
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        ConfigureLogging(builder.Logging, config);
        builder.AddAegisPerimeter(config, credentials, apiMetrics);
        builder.Services.AddAegisOpenApi();

        await using WebApplication app = builder.Build();
        ILoggerFactory loggers = app.Services.GetRequiredService<ILoggerFactory>();
        ILogger log = loggers.CreateLogger("Aegis.Node");

        // Every log line of this node (including the consensus loop and peer tasks started below) carries node_id.
        using IDisposable? scope = log.BeginScope("node_id={NodeId}", nodeId);

        INodeRuntime? runtimeRef = null;
        PeerNetwork? networkRef = null;
        NodeReadiness? readinessRef = null;
        using var exporter = new NodeMetricsRegistry(AegisMetrics.Series(genesis.Validators.All.Select(v => v.Id)), loggers.CreateLogger("Aegis.Node.Monitoring"));
        using var metrics = new AegisMetrics(
            nodeId,
            () =>
            {
                NodeSnapshot s = runtimeRef?.Snapshot ?? new NodeSnapshot(0, default, 0, 0, false, 0, 0, 0, 0, default);
                return new NodeGauges((long)s.Height, (long)s.View, s.MempoolSize, networkRef?.ConnectedValidators ?? 0, genesis.Validators.Count, genesis.Validators.Quorum.Size, (long)(runtimeRef?.History.Missing ?? 0));
            },
            () => readinessRef?.Evaluate() ?? new ReadinessState(ReadinessState.Starting, "storage not open", "syncing"));
        var storageHealth = new StorageHealth(metrics, loggers.CreateLogger("Aegis.Node.Storage"));

        INodeStore engine = StoreFactory.Create(config.ToStorageOptions(genesis.Hash));
        await using INodeStore store = new MonitoredNodeStore(engine, storageHealth);
        await store.InitializeAsync(ct);
        log.LogInformation("storage open: {Store}", store.Description);

        // Before the node serves or votes: a store that fails the check is never served, and consensus never starts.
        bool intact = await StartupIntegrity.CheckAsync(engine, genesis, config.Storage.VerifyRecentBlocks, config.Storage.VerifyState, storageHealth, log, ct);

        var options = new NodeRuntimeOptions
        {
            NodeId = nodeId,
            TickMs = config.Consensus.TickMs,
            Replica = new ReplicaOptions
            {
                MaxBlockTxs = config.Consensus.MaxBlockTxs,
                MaxBlocksInFlight = config.Consensus.MaxBlocksInFlight,
                ViewChangeTimeoutTicks = Math.Max(2, config.Consensus.ViewChangeTimeoutMs / config.Consensus.TickMs),
                RetransmitTicks = Math.Max(1, 500 / config.Consensus.TickMs),
                MaxMempoolTxs = config.Mempool.MaxTxs,
                MaxMempoolBytes = config.Mempool.MaxBytes,
            },
            SnapshotSync = new SnapshotSyncOptions { Enabled = config.Storage.SnapshotSync, MinBlocks = config.Storage.SnapshotMinBlocks, KeepHistory = config.Storage.KeepHistory },
            StoreServable = () => storageHealth.Corruption is null,
        };
        var peerMetrics = new PeerMetrics(metrics.BytesSent, metrics.BytesReceived, metrics.PeerRtt, metrics.Failures);
        await using var network = new PeerNetwork(genesis, signer, new IPEndPoint(ApiPerimeter.ParseHost(config.P2p.Host), config.P2p.Port), config.P2p.BootstrapNodes, config.PeerLimits(), peerMetrics, loggers.CreateLogger<PeerNetwork>());
        networkRef = network;
        var runtimeMetrics = new RuntimeMetrics(metrics.ViewChanges, metrics.Failures, metrics.TxsCommitted, metrics.CommitLatency, metrics.StorageCommit);
        await using INodeRuntime runtime = self is null
            ? new ObserverRuntime(genesis, options, store, network, metrics, loggers.CreateLogger<ObserverRuntime>())
            : new NodeRuntime(genesis, signer, options, store, network, runtimeMetrics, loggers.CreateLogger<NodeRuntime>());
        runtimeRef = runtime;
        readinessRef = new NodeReadiness(runtime, network, storageHealth);

        // The runtime starts the network once it can take the peers' messages. A damaged store stays up not ready
        // (/ready 503 store_corrupt, the metric and its alert), serving nothing of the store, until the operator acts.
        if (intact)
        {
            try
            {
                await runtime.StartAsync(ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException && StorageHealth.Classify(ex) == StorageHealth.StoreCorrupt)
            {
                // The consensus record (read only here) is damaged: the same verdict as the start-time check's.
                storageHealth.IntegrityFailed(StorageHealth.StartCheck, $"start: {ex.Message}");
            }
        }

        var services = new NodeServices(runtime, network, readinessRef, exporter.Registry, nodeId, TimeSpan.FromMilliseconds(config.Api.CommitWaitMs)) { MinHeightWait = TimeSpan.FromMilliseconds(config.Api.MinHeightWaitMs) };
        app.UseAegisPerimeter(config);

        await using Aegis.Chat.Hosting.SecureChatNode secureChat = await app.StartSecureChatAsync(config, genesis, runtime, network, loggers, ct);
        app.MapAegisApi(services);
        app.MapAegisOpenApi();
        await using DashboardService? dashboard = app.MapDashboard(services, self?.Index ?? -1, config, loggers);
        log.LogInformation("node {NodeId} ({Role} of {Count} validators) serving API on {ApiHost}:{ApiPort}, p2p on {P2pHost}:{P2pPort}, metrics on {MetricsPort}", nodeId, self is null ? "observer" : $"validator {self.Index}", genesis.Validators.Count, config.Api.Host, config.Api.Port, config.P2p.Host, config.P2p.Port, config.Monitoring.MetricsPort);
        await app.StartAsync(ct);

        // Until Ctrl+C or SIGTERM, until consensus stops for good on a broken invariant (then the process fails), or
        // until the network finds this validator's key live in another process.
        await Task.WhenAny(Task.Delay(Timeout.Infinite, ct), runtime.Stopped, network.IdentityConflict);

        log.LogInformation("node {NodeId} stopping", nodeId);
        await app.StopAsync(CancellationToken.None);
        if (runtime.Stopped.IsFaulted)
        {
            await runtime.Stopped;
        }

        if (network.IdentityConflict.IsCompleted && !ct.IsCancellationRequested)
        {
            throw new IdentityConflictException(await network.IdentityConflict);
        }
    }

    private static void ConfigureLogging(ILoggingBuilder logging, AegisConfig config)
    {
        logging.ClearProviders();
        LogLevel level = config.Logging.Level.ToUpperInvariant() switch
        {
            "DEBUG" => LogLevel.Debug,
            "WARNING" => LogLevel.Warning,
            "ERROR" => LogLevel.Error,
            _ => LogLevel.Information,
        };
        logging.SetMinimumLevel(level);
        logging.AddFilter("Microsoft", LogLevel.Warning);
        if (config.Logging.Format == "json")
        {
            logging.AddJsonConsole(o => o.IncludeScopes = true);
        }
        else
        {
            logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss.fff ";
                o.IncludeScopes = true;
            });
        }

        if (config.Logging.File.Length > 0)
        {
            logging.AddProvider(new FileLoggerProvider(config.Logging.File, json: config.Logging.Format == "json"));
        }
    }
}

/// <summary>This node's validator key is live in another process; running too would fight it for connections and risk double-signing.</summary>
public sealed class IdentityConflictException(string message) : Exception(message);
