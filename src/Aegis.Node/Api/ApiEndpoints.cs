using System.Text.Json;
using Aegis.Core.Crypto;
using Aegis.Core.Ledger;
using Aegis.Network;
using Aegis.Node.Monitoring;
using Aegis.Node.Runtime;
using Aegis.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Prometheus;

namespace Aegis.Node.Api;

/// <summary>What the API reads from: the runtime, the peers, readiness, the metrics registry and who we are.</summary>
public sealed record NodeServices(INodeRuntime Runtime, IPeerNetwork Network, NodeReadiness Readiness, CollectorRegistry Metrics, string NodeId, TimeSpan CommitWaitTimeout)
{
    /// <summary>How long a read with ?min_height waits for this node to apply that height (api.min_height_wait_ms).</summary>
    public TimeSpan MinHeightWait { get; init; } = TimeSpan.FromSeconds(5);
}

/// <summary>The REST surface in the contract. Every error is {"error","message"} with the matching status.</summary>
public static class ApiEndpoints
{
    public static void MapAegisApi(this IEndpointRouteBuilder app, NodeServices node)
    {
        app.MapGet("/health", () => Results.Json(new HealthResponse("healthy"), ApiJsonContext.Default.HealthResponse));
        app.MapGet("/ready", () => Ready(node));
        app.MapGet("/status", () => Results.Json(Status(node), ApiJsonContext.Default.StatusResponse));
        // A route handler (not prometheus-net's MapMetrics middleware endpoint) so /metrics is described in the OpenAPI
        // document like every other route; prometheus-net still renders the exposition.
        app.MapGet("/metrics", (HttpContext http, CancellationToken ct) => MetricsAsync(http, node.Metrics, ct));
        app.MapPost("/v1/tx", (HttpContext http, CancellationToken ct) => SubmitAsync(http, node, ct)).ServedFromStore(node);
        app.MapPost("/v1/txs", (HttpContext http, CancellationToken ct) => BatchEndpoint.SubmitAsync(http, node, ct)).ServedFromStore(node);
        app.MapGet("/v1/kv/{**key}", (HttpContext http, CancellationToken ct) => KvEndpoint.GetAsync(http, node, ct)).ServedFromStore(node);
        app.MapGet("/v1/tx/{hash}", (string hash, CancellationToken ct) => GetTxAsync(node, hash, ct)).ServedFromStore(node);
        app.MapGet("/v1/blocks/{height}", (string height, CancellationToken ct) => GetBlockAsync(node, height, ct)).ServedFromStore(node);
        app.MapGet("/v1/peers", () => Results.Json(
            node.Network.Peers.Select(p => new PeerJson(p.Id, p.Address, p.Role, p.Outbound, p.RttSeconds * 1000, p.BytesSent, p.BytesReceived)).ToList(),
            ApiJsonContext.Default.ListPeerJson));
        app.MapGet("/v1/events", (HttpContext http, CancellationToken ct) => EventsAsync(http, node, ct)).ServedFromStore(node);
    }

    private static async Task MetricsAsync(HttpContext http, CollectorRegistry registry, CancellationToken ct)
    {
        http.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
        await registry.CollectAndExportAsTextAsync(http.Response.Body, ct);
    }

    public static IResult Error(int status, string code, string message) =>
        Results.Json(new ErrorResponse(code, message), ErrorJson.TypeInfo, statusCode: status);

    private static string SyncStatus(NodeServices node) => node.Readiness.SyncStatus();

    private static IResult Ready(NodeServices node)
    {
        ReadinessState r = node.Readiness.Evaluate();
        return r.IsReady
            ? Results.Json(new ReadyResponse("ready", null, r.SyncStatus), ApiJsonContext.Default.ReadyResponse)
            : Results.Json(new ReadyResponse("not_ready", r.Message, r.SyncStatus), ApiJsonContext.Default.ReadyResponse, statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    private static StatusResponse Status(NodeServices node)
    {
        NodeSnapshot s = node.Runtime.Snapshot;
        var validators = node.Runtime.Genesis.Validators;
        IReadOnlyList<PeerInfo> peers = node.Network.Peers;
        return new StatusResponse(
            node.NodeId,
            node.Runtime.Genesis.ChainId,
            Aegis.Core.AegisVersion.Value,
            s.Height,
            s.LastBlockHash.ToString(),
            s.View,
            validators[s.Leader].Id,
            s.InViewChange,
            SyncStatus(node),
            peers.Count,
            validators.Count,
            s.MempoolSize,
            s.ViewChanges,
            node.Runtime.TxsCommitted,
            node.Runtime.IsValidator ? "validator" : "observer",
            peers.Count(p => p.Role == "validator"),
            peers.Count(p => p.Role != "validator"),
            node.Runtime.History.From,
            node.Runtime.History.State ?? HistoryProgress.Complete);
    }

    private static async Task<IResult> SubmitAsync(HttpContext http, NodeServices node, CancellationToken ct)
    {
        TxRequest? request;
        try
        {
            using JsonDocument body = await JsonDocument.ParseAsync(http.Request.Body, TxBody.Options, ct);
            (request, string? shape) = TxBody.Read(body.RootElement);
            if (request is null)
            {
                return Error(400, "bad_request", "body is not a valid transaction: " + shape);
            }
        }
        catch (JsonException ex)
        {
            return Error(400, "bad_request", "body is not a valid transaction: " + TxBody.Syntax(ex));
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return Error(413, "too_large", ex.Message);
        }

        (Transaction? tx, string? problem) = TxRequests.ToTransaction(request);
        if (tx is null)
        {
            return Error(400, "bad_request", problem!);
        }

        if (RefuseWithoutQuorum(http, node) is { } refused)
        {
            return refused;
        }

        bool wait = string.Equals(http.Request.Query["wait"], "commit", StringComparison.OrdinalIgnoreCase);
        using CancellationTokenSource? timeout = wait ? CancellationTokenSource.CreateLinkedTokenSource(ct) : null;
        timeout?.CancelAfter(node.CommitWaitTimeout);

        // Registering for the commit also looks the tx up, so either way one index read tells whether it is already
        // committed: then it gets the same answer as the first time, and nothing is applied again.
        Task<CommitInfo>? commit = timeout is null ? null : node.Runtime.WaitForCommitAsync(tx.Hash, timeout.Token);
        bool committed = commit?.IsCompletedSuccessfully ?? await node.Runtime.Store.GetTxAsync(tx.Hash, ct) is not null;
        if (!committed)
        {
            SubmitStatus status = await node.Runtime.SubmitAsync(tx, ct);
            switch (status)
            {
                case SubmitStatus.MempoolFull:
                    http.Response.Headers.RetryAfter = "1";
                    return Error(503, "mempool_full", "the mempool is full; retry after the indicated delay");
                case SubmitStatus.Unavailable:
                    http.Response.Headers.RetryAfter = "5";
                    return Error(503, "unavailable", "the node is not accepting transactions (starting or stopping)");
            }
        }

        if (commit is null)
        {
            return Results.Json(new TxAccepted(tx.Hash.ToString()), ApiJsonContext.Default.TxAccepted, statusCode: 202);
        }

        try
        {
            CommitInfo info = await commit;
            return Results.Json(new TxCommitted(tx.Hash.ToString(), info.Height, info.BlockHash.ToString()), ApiJsonContext.Default.TxCommitted);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // Bounded: the client gets the hash to poll instead of a request held while the cluster cannot commit.
            http.Response.Headers.Location = $"/v1/tx/{tx.Hash}";
            return Results.Json(
                new TxPending(tx.Hash.ToString(), "pending", $"/v1/tx/{tx.Hash}", $"accepted but not committed within {node.CommitWaitTimeout.TotalSeconds:0.#}s; GET /v1/tx/{tx.Hash} answers 200 once it is"),
                ApiJsonContext.Default.TxPending,
                statusCode: 202);
        }
    }

    /// <summary>
    /// 503 with the reason when this node sees fewer than a quorum of validators: nothing it accepts could commit, so a
    /// client is better served by another node (or a retry) than by a 202 for a transaction that waits indefinitely.
    /// </summary>
    internal static IResult? RefuseWithoutQuorum(HttpContext http, NodeServices node)
    {
        if (node.Readiness.NoQuorum() is not { } reason)
        {
            return null;
        }

        http.Response.Headers.RetryAfter = "5";
        return Error(503, "no_quorum", $"{reason}; the cluster cannot commit, so the transaction was not accepted — retry later or on another node");
    }

    private static async Task<IResult> GetTxAsync(NodeServices node, string hash, CancellationToken ct)
    {
        if (!Hash32.TryParse(hash, out Hash32 h))
        {
            return Error(400, "bad_request", "tx hash: expected 64 hex characters");
        }

        TxLocation? location = await node.Runtime.Store.GetTxAsync(h, ct);
        StoredBlock? block = location is null ? null : await node.Runtime.Store.GetBlockAsync(location.Height, ct);
        if (location is null || block is null)
        {
            return Error(404, "not_found", $"transaction {hash} is not committed on this node");
        }

        // The index row is not certified; the block is (checked on read). A row that points elsewhere is damage.
        if (location.Index >= block.Block.Transactions.Count || block.Block.Transactions[location.Index].Hash != h)
        {
            string problem = $"the tx index puts {h.ToShortString()} at height {location.Height} index {location.Index}, where block {location.Height} does not hold it";
            node.Readiness.Storage.IntegrityFailed(StorageHealth.ReadCheck, problem);
            return Error(503, "store_corrupt", $"this node's store is damaged and is not served ({problem}); ask another node");
        }

        Transaction tx = block.Block.Transactions[location.Index];
        return Results.Json(
            new TxLookupResponse(hash, location.Height, location.BlockHash.ToString(), location.Index, location.Outcome.ToString().ToLowerInvariant(), TxRequests.ToJson(tx)),
            ApiJsonContext.Default.TxLookupResponse);
    }

    private static async Task<IResult> GetBlockAsync(NodeServices node, string height, CancellationToken ct)
    {
        ulong h;
        if (height == "latest")
        {
            h = (await node.Runtime.Store.GetTipAsync(ct)).Height;
        }
        else if (!ulong.TryParse(height, out h) || h == 0)
        {
            return Error(400, "bad_request", "height: expected a positive integer or 'latest'");
        }

        StoredBlock? stored = h == 0 ? null : await node.Runtime.Store.GetBlockAsync(h, ct);
        if (stored is null && h <= node.Runtime.Snapshot.Height && await node.Runtime.Store.GetFirstHeightAsync(ct) is var first && h < first)
        {
            // A node that joined by snapshot never fetched the history below its first block; another node holds it.
            string below = node.Runtime.History.State == HistoryProgress.Backfilling
                ? "the history below is being backfilled (GET /status: history_from)"
                : "storage.keep_history is false (ask a node that holds it)";
            return Error(404, "not_found", $"block {h} is below this node's history: it joined by snapshot and holds blocks from {first} on; {below}");
        }

        return stored is null
            ? Error(404, "not_found", $"no block at height {height} (tip is {node.Runtime.Snapshot.Height})")
            : Results.Json(BlockJson.From(stored, node.Runtime.Genesis.Validators), ApiJsonContext.Default.BlockResponse);
    }

    private static async Task EventsAsync(HttpContext http, NodeServices node, CancellationToken ct)
    {
        http.Response.Headers.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        await http.Response.WriteAsync(": connected\n\n", ct);
        await http.Response.Body.FlushAsync(ct);
        try
        {
            await foreach (BlockEvent e in node.Runtime.SubscribeAsync(ct))
            {
                string json = JsonSerializer.Serialize(new BlockEventJson(e.Height, e.Hash.ToString(), e.TxCount, e.View, e.TimestampMs), ApiJsonContext.Default.BlockEventJson);
                await http.Response.WriteAsync($"event: block\nid: {e.Height}\ndata: {json}\n\n", ct);
                await http.Response.Body.FlushAsync(ct);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
