using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Scalar.AspNetCore;

namespace Aegis.Node.Api;

/// <summary>
/// The API describes itself: an OpenAPI document generated from the mapped routes at /openapi/v1.json (so it cannot
/// drift from what is served), and a browsable reference at /scalar whose scripts the node serves itself (the package
/// embeds them; the default web fonts, which would come from a CDN, are off).
/// </summary>
public static class ApiDocument
{
    public const string DocumentPath = "/openapi/v1.json";
    public const string ReferencePath = "/scalar";

    // What each route does, for readers of the document; keyed by method and route template as the generator sees them.
    private static readonly Dictionary<string, (string Summary, string Description)> Operations = new(StringComparer.Ordinal)
    {
        ["GET health"] = ("Liveness", "200 {\"status\":\"healthy\"} while the process serves requests."),
        ["GET ready"] = ("Readiness", "200 once storage is open, the node is caught up and sees a quorum; 503 with the reason otherwise."),
        ["GET status"] = ("Node status", "Height, last block hash, view, leader, sync status, peers, validators, mempool size."),
        ["GET metrics"] = ("Prometheus metrics", "Text exposition format 0.0.4 (also on monitoring.metrics_port)."),
        ["POST v1/tx"] = ("Submit a transaction", "Body {\"op\":\"put\"|\"del\",\"key\",\"value\",\"id\"}. 202 {\"tx_hash\"}; with ?wait=commit 200 {\"tx_hash\",\"height\",\"block_hash\"}. 400 names the field; 413 too large; 503 with Retry-After when the mempool is full. Keys: " + KeyAlphabet.Description + "."),
        ["POST v1/txs"] = ("Submit a batch", "A JSON array of up to 10,000 transactions; each element is answered on its own in results[] (a bad element does not fail the others)."),
        ["GET v1/kv/{key}"] = ("Read a key", "200 {\"key\",\"value\",\"height\"}; 404 when absent. The key is percent-encoded in the path. ?min_height=H answers once this node has applied height H (bounded wait, then 503 with Retry-After). ?proof=true answers 200 for present and absent keys with {\"key\",\"value\"|null,\"height\",\"proof\":{\"format\",\"block_height\",\"state_root\",\"header\",\"certificate\",\"leaf\",\"siblings\"}}: the value at the state of height block_height − pipeline_depth, proven against the tip's certified header; check it offline with `aegis proof verify --genesis FILE --proof FILE`."),
        ["GET v1/tx/{hash}"] = ("Look up a transaction", "200 {\"tx_hash\",\"height\",\"block_hash\",\"index\",\"tx\"}; 404 when unknown."),
        ["GET v1/blocks/{height}"] = ("Read a block", "A block (a height or 'latest') with its transactions and commit certificate; 404 beyond the tip."),
        ["GET v1/peers"] = ("Connected peers", "Id, address, role, RTT and traffic of each connected peer."),
        ["GET v1/events"] = ("Committed blocks (SSE)", "Server-Sent Events, one 'block' event per committed block."),
    };

    public static void AddAegisOpenApi(this IServiceCollection services) =>
        services.AddOpenApi("v1", o =>
        {
            o.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = "AEGIS node API";
                document.Info.Version = Aegis.Core.AegisVersion.Value;
                document.Info.Description = "The REST API of one AEGIS node. Errors are {\"error\",\"message\"} with the matching status. With security.authentication on, writes need 'Authorization: Bearer <JWT>' with the write role (reads need read when security.protect_reads is on).";
                return Task.CompletedTask;
            });
            o.AddOperationTransformer((operation, context, _) =>
            {
                string key = $"{context.Description.HttpMethod} {context.Description.RelativePath}";
                if (Operations.TryGetValue(key, out var text))
                {
                    operation.Summary = text.Summary;
                    operation.Description = text.Description;
                }

                return Task.CompletedTask;
            });
        });

    public static void MapAegisOpenApi(this IEndpointRouteBuilder app)
    {
        app.MapOpenApi(DocumentPath.Replace("v1", "{documentName}", StringComparison.Ordinal));
        app.MapScalarApiReference(ReferencePath, o => o
            .WithTitle("AEGIS node API")
            .WithOpenApiRoutePattern(DocumentPath.Replace("v1", "{documentName}", StringComparison.Ordinal))
            .DisableDefaultFonts());
    }
}
