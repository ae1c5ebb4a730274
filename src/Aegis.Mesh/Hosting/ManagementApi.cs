using System.Net;
using Aegis.Mesh.Configuration;
using Aegis.Node.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace Aegis.Mesh.Hosting;

/// <summary>The contract's management API on api.listen: /health, /status, /peers, /metrics (Prometheus text).</summary>
internal static class ManagementApi
{
    public static async Task RunAsync(MeshHost host, MeshConfig config, CancellationToken ct)
    {
        MeshConfigLoader.TryHostPort(config.ApiListen, out string h, out ushort port);
        IPAddress address = h == "localhost" ? IPAddress.Loopback : IPAddress.Parse(h);
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(address, port));
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, MeshJsonContext.Default));
        await using WebApplication app = builder.Build();
        app.MapGet("/health", () =>
        {
            bool tunOk = !config.HasTun || host.TunUp;
            string tun = config.HasTun ? (host.TunUp ? "up" : "down") : "none";
            return tunOk
                ? Results.Json(new HealthAnswer("healthy", config.NodeName, tun, null), MeshJsonContext.Default.HealthAnswer)
                : Results.Json(new HealthAnswer("unhealthy", config.NodeName, tun, "the TUN device is not up (waiting for an address lease?)"), MeshJsonContext.Default.HealthAnswer, statusCode: 503);
        });
        app.MapGet("/status", () => Results.Json(host.Status(), MeshJsonContext.Default.StatusAnswer));
        app.MapGet("/peers", () => Results.Json(host.PeersSnapshot(), MeshJsonContext.Default.PeerAnswerArray));
        app.MapMetrics("/metrics", host.ExportedMetrics.Registry);
        app.MapFallback(() => Results.Json(new ErrorResponse("not_found", "unknown path; the API serves /health, /status, /peers and /metrics"), MeshJsonContext.Default.ErrorResponse, statusCode: 404));
        await app.RunAsync(ct).ConfigureAwait(false);
    }
}
