using System.Net;
using System.Threading.RateLimiting;
using Aegis.Core.Consensus;
using Aegis.Core.Crypto;
using Aegis.Network;
using Aegis.Node.Api;
using Aegis.Node.Configuration;
using Aegis.Node.Identity;
using Aegis.Node.Monitoring;
using Aegis.Node.Runtime;
using Aegis.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Aegis.Node.Hosting;

/// <summary>
/// Wires one node: genesis and key → storage → metrics → consensus runtime → peer network → HTTP (API on api.port,
/// /metrics /health /ready also on monitoring.metrics_port). Runs until the token is cancelled (Ctrl+C, SIGTERM).
/// </summary>
public static class NodeHost
{
    /// <summary>Loads what the config points at; returns one line per problem instead of throwing.</summary>
    public static (Genesis? Genesis, EcdsaP256Signer? Signer, List<string> Problems) LoadIdentity(AegisConfig config)
    {
        var problems = new List<string>();
        Genesis? genesis = null;
        EcdsaP256Signer? signer = null;
        if (!File.Exists(config.GenesisFile))
        {
            problems.Add($"genesis_file: {config.GenesisFile} — file not found");
        }
        else
        {
            genesis = GenesisDocument.Parse(File.ReadAllText(config.GenesisFile), out List<string> genesisProblems);
            problems.AddRange(genesisProblems.Select(p => $"{config.GenesisFile}: {p}"));
        }

        try
        {
            signer = KeyFile.Read(config.Node.KeyFile);
        }
        catch (Exception ex) when (ex is IOException or FormatException or UnauthorizedAccessException)
        {
            problems.Add($"node.key_file: {ex.Message}");
        }

        if (genesis is not null)
        {
            problems.AddRange(GenesisAgreement.Check(config.Consensus, genesis.Parameters, config.GenesisFile));
        }

        if (genesis is not null && signer is not null && genesis.Validators.FindByKey(signer.PublicKey) is null)
        {
            problems.Add($"node.key_file: key {signer.PublicKey.Fingerprint.ToShortString()} is not a validator in {config.GenesisFile} (observer nodes are not supported by 'aegis run' yet)");
        }

        return (genesis, signer, problems);
    }

    public static async Task RunAsync(AegisConfig config, Genesis genesis, EcdsaP256Signer signer, CancellationToken ct)
    {
        Validator self = genesis.Validators.FindByKey(signer.PublicKey)!;
        string nodeId = string.IsNullOrEmpty(config.Node.Id) ? self.Id : config.Node.Id;

        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        ConfigureLogging(builder.Logging, config);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = config.Api.MaxBodyBytes;
            k.Listen(ParseHost(config.Api.Host), config.Api.Port);
            if (config.Monitoring.MetricsPort > 0)
            {
                k.Listen(ParseHost(ListenAddresses.MetricsHost(config)), config.Monitoring.MetricsPort);
            }
        });
        builder.Services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = async (context, token) =>
            {
                context.HttpContext.Response.Headers.RetryAfter = "60";
                await ApiEndpoints.Error(429, "rate_limited", $"more than {config.Security.RateLimitPerMinute} requests per minute from this client").ExecuteAsync(context.HttpContext);
            };
            o.AddPolicy("per-client", http => RateLimitPartition.GetFixedWindowLimiter(
                http.Request.Headers.Authorization.FirstOrDefault() ?? http.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = config.Security.RateLimitPerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
        });

        await using WebApplication app = builder.Build();
        ILoggerFactory loggers = app.Services.GetRequiredService<ILoggerFactory>();
        ILogger log = loggers.CreateLogger("Aegis.Node");

        // Every log line of this node (including the consensus loop and peer tasks started below) carries node_id.
        using IDisposable? scope = log.BeginScope("node_id={NodeId}", nodeId);

        await using INodeStore store = StoreFactory.Create(new StorageOptions
        {
            Type = config.Storage.Type,
            DataDirectory = config.Node.DataDir,
            ConnectionString = config.Storage.ConnectionString,
            Schema = string.IsNullOrEmpty(config.Storage.Schema) ? null : config.Storage.Schema,
            GenesisHash = genesis.Hash,
        });
        await store.InitializeAsync(ct);
        log.LogInformation("storage open: {Store}", store.Description);

        NodeRuntime? runtimeRef = null;
        PeerNetwork? networkRef = null;
        using var metrics = new AegisMetrics(nodeId, () =>
        {
            NodeSnapshot s = runtimeRef?.Snapshot ?? new NodeSnapshot(0, default, 0, 0, false, 0, 0, 0, 0, default);
            return new NodeGauges((long)s.Height, (long)s.View, s.MempoolSize, networkRef?.ConnectedValidators ?? 0);
        });
        using var exporter = new PrometheusExporter("Aegis");
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
        };
        var peerMetrics = new PeerMetrics(metrics.BytesSent, metrics.BytesReceived, metrics.PeerRtt, metrics.Failures);
        await using var network = new PeerNetwork(genesis, signer, new IPEndPoint(ParseHost(config.P2p.Host), config.P2p.Port), config.P2p.BootstrapNodes, config.P2p.AllowObservers, peerMetrics, loggers.CreateLogger<PeerNetwork>());
        networkRef = network;
        var runtimeMetrics = new RuntimeMetrics(metrics.ViewChanges, metrics.Failures, metrics.TxsCommitted, metrics.CommitLatency, metrics.StorageCommit);
        await using var runtime = new NodeRuntime(genesis, signer, options, store, network, runtimeMetrics, loggers.CreateLogger<NodeRuntime>());
        runtimeRef = runtime;

        // The runtime starts the network once it can take the peers' messages.
        await runtime.StartAsync(ct);

        var services = new NodeServices(runtime, network, exporter, nodeId, TimeSpan.FromSeconds(30));
        app.UseRateLimiter();
        if (config.Security.Authentication)
        {
            app.Use(async (http, next) =>
            {
                if (HttpMethods.IsPost(http.Request.Method))
                {
                    string? header = http.Request.Headers.Authorization.FirstOrDefault();
                    string? problem = header is null || !header.StartsWith("Bearer ", StringComparison.Ordinal)
                        ? "missing 'Authorization: Bearer <token>' (mint one with 'aegis token')"
                        : JwtHs256.Validate(header["Bearer ".Length..], config.Security.JwtSecret, DateTimeOffset.UtcNow);
                    if (problem is not null)
                    {
                        await ApiEndpoints.Error(401, "unauthorized", problem).ExecuteAsync(http);
                        return;
                    }
                }

                await next(http);
            });
        }

        app.MapAegisApi(services);
        app.Use(async (http, next) =>
        {
            await next(http);
            if (http.Response.StatusCode == 404 && !http.Response.HasStarted)
            {
                await ApiEndpoints.Error(404, "not_found", $"no endpoint {http.Request.Method} {http.Request.Path}").ExecuteAsync(http);
            }
        });

        log.LogInformation("node {NodeId} (validator {Index} of {Count}) serving API on {ApiHost}:{ApiPort}, p2p on {P2pHost}:{P2pPort}, metrics on {MetricsPort}", nodeId, self.Index, genesis.Validators.Count, config.Api.Host, config.Api.Port, config.P2p.Host, config.P2p.Port, config.Monitoring.MetricsPort);
        await app.StartAsync(ct);

        // Until Ctrl+C or SIGTERM, or until consensus stops for good on a broken invariant (then the process fails).
        await Task.WhenAny(Task.Delay(Timeout.Infinite, ct), runtime.Stopped);

        log.LogInformation("node {NodeId} stopping", nodeId);
        await app.StopAsync(CancellationToken.None);
        if (runtime.Stopped.IsFaulted)
        {
            await runtime.Stopped;
        }
    }

    private static IPAddress ParseHost(string host) =>
        host is "localhost" ? IPAddress.Loopback : IPAddress.TryParse(host, out IPAddress? ip) ? ip : Dns.GetHostAddresses(host)[0];

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
    }
}
