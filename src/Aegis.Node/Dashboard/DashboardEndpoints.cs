using System.Text.Json;
using Aegis.Core.Consensus;
using Aegis.Core.Crypto;
using Aegis.Node.Api;
using Aegis.Node.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Aegis.Node.Dashboard;

/// <summary>
/// The live dashboard at <c>/</c> and what it reads: <c>/v1/dashboard</c> (one snapshot), <c>/v1/dashboard/stream</c>
/// (SSE: a <c>status</c> event per second), <c>/v1/alerts</c> (firing alerts) and <c>/v1/validators</c> (the validator
/// set with public keys, for checking certificates). Blocks, transactions and keys come from the ordinary API.
/// </summary>
public static class DashboardEndpoints
{
    /// <summary>Maps the endpoints and starts the service behind them; null when <c>dashboard.enabled</c> is false.</summary>
    public static DashboardService? MapDashboard(this WebApplication app, NodeServices node, int self, AegisConfig config, ILoggerFactory loggers)
    {
        Genesis genesis = node.Runtime.Genesis;
        var validatorSet = new ValidatorSetJson(
            genesis.ChainId,
            genesis.Hash.ToString(),
            genesis.Validators.Quorum.Size,
            [.. genesis.Validators.All.Select(v => new ValidatorKeyJson(v.Index, v.Id, PublicKey.AlgorithmName(v.PublicKey.Algorithm), Convert.ToBase64String(v.PublicKey.Bytes), v.Address))]);
        app.MapGet("/v1/validators", () => Results.Json(validatorSet, DashboardJsonContext.Default.ValidatorSetJson));
        if (!config.Dashboard.Enabled)
        {
            return null;
        }

        var service = new DashboardService(node, self, config.Dashboard, config.Consensus.ViewChangeTimeoutMs, loggers.CreateLogger<DashboardService>());
        foreach (DashboardAsset asset in DashboardAssets.All)
        {
            app.MapGet(asset.Path, (HttpContext http) => Serve(http, asset));
        }

        app.MapGet("/v1/dashboard", () => Results.Json(service.Snapshot, DashboardJsonContext.Default.DashboardSnapshot));
        app.MapGet("/v1/alerts", () => Results.Json([.. service.Snapshot.Alerts], DashboardJsonContext.Default.ListFiringAlert));
        app.MapGet("/v1/dashboard/stream", (HttpContext http, CancellationToken ct) => StreamAsync(http, service, ct));
        service.Start();
        return service;
    }

    private static IResult Serve(HttpContext http, DashboardAsset asset)
    {
        IHeaderDictionary headers = http.Response.Headers;
        headers.ContentSecurityPolicy = DashboardAssets.ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "no-cache";
        headers.ETag = asset.ETag;
        return http.Request.Headers.IfNoneMatch == asset.ETag
            ? Results.StatusCode(StatusCodes.Status304NotModified)
            : Results.Bytes(asset.Content, asset.ContentType);
    }

    private static async Task StreamAsync(HttpContext http, DashboardService service, CancellationToken ct)
    {
        http.Response.Headers.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";

        // EventSource reconnects by itself; two seconds keeps "unreachable" honest without hammering a node that is down.
        await http.Response.WriteAsync("retry: 2000\n\n", ct);
        await http.Response.Body.FlushAsync(ct);
        DashboardSnapshot? seen = null;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                seen = await service.NextAsync(seen, ct);
                string json = JsonSerializer.Serialize(seen, DashboardJsonContext.Default.DashboardSnapshot);
                await http.Response.WriteAsync($"event: status\nid: {seen.AtMs}\ndata: {json}\n\n", ct);
                await http.Response.Body.FlushAsync(ct);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
