using System.Net;
using Aegis.Knowledge.Answers;
using Aegis.Knowledge.Api;
using Aegis.Knowledge.Chunking;
using Aegis.Knowledge.Configuration;
using Aegis.Knowledge.Embeddings;
using Aegis.Knowledge.Monitoring;
using Aegis.Knowledge.Qdrant;
using Aegis.Knowledge.Retrieval;
using Aegis.Knowledge.Storage;
using Aegis.Node.Configuration;
using Aegis.Node.Monitoring;
using Aegis.Node.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Aegis.Knowledge.Hosting;

/// <summary>A running knowledge service: its base URL, its service object, and how to stop it.</summary>
public sealed class KnowledgeServer(WebApplication app, KnowledgeService service, IAsyncDisposable[] owned) : IAsyncDisposable
{
    public KnowledgeService Service { get; } = service;

    public Uri BaseAddress { get; } = new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal) + "/");

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync(CancellationToken.None);
        await app.DisposeAsync();
        foreach (IAsyncDisposable d in owned)
        {
            await d.DisposeAsync();
        }
    }
}

/// <summary>
/// Wires the knowledge service: storage → indexes (rebuilt from storage) → embedder → answerer → HTTP with the node's JwtBearer
/// setup (<see cref="ApiAuthentication"/>) on /api and /qdrant; /health and /metrics are open, as on the node.
/// </summary>
public static class KnowledgeHost
{
    public static async Task<KnowledgeServer> StartAsync(KnowledgeConfig config, CancellationToken ct, IEmbedder? embedder = null)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        if (config.Logging.Format == "json")
        {
            builder.Logging.AddJsonConsole();
        }
        else
        {
            builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        }

        builder.Logging.SetMinimumLevel(config.Logging.Level.ToUpperInvariant() switch
        {
            "DEBUG" => LogLevel.Debug,
            "WARNING" => LogLevel.Warning,
            "ERROR" => LogLevel.Error,
            _ => LogLevel.Information,
        });
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = config.Api.MaxUploadBytes + (64 * 1024);
            k.Listen(config.Api.Host is "localhost" ? IPAddress.Loopback : IPAddress.Parse(config.Api.Host), config.Api.Port);
        });
        builder.Services.Configure<Microsoft.AspNetCore.Http.Features.FormOptions>(o => o.MultipartBodyLengthLimit = config.Api.MaxUploadBytes);

        // The node's JwtBearer setup, not a second one: the configured algorithm only, exp required, 30 s of skew,
        // iss/aud when configured, a fixed set of refusal reasons in aegis_api_auth_failures_total{reason}, and never
        // the library's own text (IDX… codes) in the 401 body.
        var apiMetrics = new ApiMetrics(rateLimitPerMinute: 0, maxConnectionsPerIp: 0);
        JwtKeys? jwtKeys = null;
        if (config.Security.Authentication)
        {
            var security = new SecuritySection
            {
                Authentication = true,
                JwtSecret = config.Security.JwtSecret,
                JwtIssuer = config.Security.JwtIssuer,
                JwtAudience = config.Security.JwtAudience,
            };
            var problems = new List<string>();
            jwtKeys = JwtKeys.Load(security, problems) ?? throw new InvalidOperationException(string.Join("; ", problems));
            builder.Services.AddAegisAuthentication(security, jwtKeys, apiMetrics);
        }

        WebApplication app = builder.Build();
        ILoggerFactory loggers = app.Services.GetRequiredService<ILoggerFactory>();
        IKnowledgeStore store = SqlKnowledgeStore.Create(config.StorageOptions());
        var settings = new RetrievalSettings
        {
            AnnMinPoints = config.Retrieval.AnnMinPoints,
            Ann = new AnnSettings(config.Retrieval.AnnConnectivity, config.Retrieval.AnnExpansionAdd, config.Retrieval.AnnExpansionSearch),
            Candidates = config.Retrieval.Candidates,
            RrfK = config.Retrieval.RrfK,
        };
        var catalog = new IndexCatalog(store, settings);
        ArcticEmbedder? arctic = embedder is null ? new ArcticEmbedder() : null;
        IEmbedder model = embedder ?? arctic!;
        ITokenCounter tokens = model as ITokenCounter ?? arctic ?? throw new InvalidOperationException("the embedder must count its tokens");
        KnowledgeService? serviceRef = null;
        var metrics = new KnowledgeMetrics(() => catalog.PointCount, () => serviceRef?.DocumentCount ?? 0);
        var exporter = new NodeMetricsRegistry(new SeriesPolicy().Declare("aegis_api_auth_failures_total", new LabelDomain("reason", ApiAuthentication.FailureReasons)));
        var chunker = new TokenChunker(tokens, config.Ingest.ChunkTokens, config.Ingest.ChunkOverlapTokens);
        IAnswerer answerer = ChatClientFactory.Create(config.Answer, text => serviceRef!.Terms(text));
        var service = new KnowledgeService(catalog, model, chunker, answerer, config.Service.DataDir, metrics, loggers.CreateLogger<KnowledgeService>());
        serviceRef = service;
        try
        {
            await service.StartAsync(ct);
        }
        catch
        {
            await store.DisposeAsync();
            throw;
        }

        app.MapGet("/health", () => JsonBody.Json(new System.Text.Json.Nodes.JsonObject { ["status"] = "healthy" }));
        app.MapGet("/metrics", async (CancellationToken token) => Results.Text(await exporter.RenderAsync(token), "text/plain; version=0.0.4; charset=utf-8"));
        if (config.Security.Authentication)
        {
            app.UseAuthentication();
            app.UseAuthorization();
        }

        RouteGroupHelpers.Protect(app, config.Security.Authentication, g => g.MapKnowledgeApi(service, config.Retrieval.TopK));
        RouteGroupHelpers.Protect(app, config.Security.Authentication, g => g.MapQdrant(service));
        app.Use(async (http, next) =>
        {
            await next(http);
            if (http.Response.StatusCode == 404 && !http.Response.HasStarted)
            {
                await KnowledgeEndpoints.Error(404, "not_found", $"no endpoint {http.Request.Method} {http.Request.Path}").ExecuteAsync(http);
            }
        });
        await app.StartAsync(ct);
        ILogger log = loggers.CreateLogger("Aegis.Knowledge");
        var server = new KnowledgeServer(app, service, [new Disposer(catalog, exporter, metrics, apiMetrics, jwtKeys, arctic), store]);
        log.LogInformation("knowledge service on {Url} (authentication {Auth}, answers {Answerer})", server.BaseAddress, config.Security.Authentication ? "on" : "off", answerer.Name);
        return server;
    }

    private sealed class Disposer(IndexCatalog catalog, NodeMetricsRegistry exporter, KnowledgeMetrics metrics, ApiMetrics apiMetrics, JwtKeys? jwtKeys, ArcticEmbedder? arctic) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            catalog.Dispose();
            exporter.Dispose();
            metrics.Dispose();
            apiMetrics.Dispose();
            jwtKeys?.Dispose();
            arctic?.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}

/// <summary>Maps a set of endpoints into a group that requires an authenticated caller when authentication is on.</summary>
internal static class RouteGroupHelpers
{
    public static void Protect(WebApplication app, bool authentication, Action<Microsoft.AspNetCore.Routing.RouteGroupBuilder> map)
    {
        Microsoft.AspNetCore.Routing.RouteGroupBuilder group = app.MapGroup("");
        if (authentication)
        {
            group.RequireAuthorization();
        }

        map(group);
    }
}
