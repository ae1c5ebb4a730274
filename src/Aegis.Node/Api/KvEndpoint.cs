using System.Globalization;
using Aegis.Core.Ledger;
using Aegis.Core.State.Commitment;
using Aegis.Node.Runtime;
using Aegis.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Aegis.Node.Api;

/// <summary>
/// GET /v1/kv/{key}[?min_height=H]. The key is decoded once from the request target as the client sent it, so '/',
/// '%', '?' and '#' in a key survive (the router keeps %2F encoded and resolves dot segments). With min_height the
/// answer waits until this node has applied height H — a client that wrote at H on one node reads its own write on any
/// other — for at most api.min_height_wait_ms, then 503 with Retry-After. With proof=true the answer is the value (or
/// its absence, still 200) with a proof against the state root of the tip's certified header (docs/state-commitment.md),
/// which <c>aegis proof verify</c> checks with only the genesis file.
/// </summary>
internal static class KvEndpoint
{
    private const string Prefix = "/v1/kv/";

    public static async Task<IResult> GetAsync(HttpContext http, NodeServices node, CancellationToken ct)
    {
        string key = KeyFromTarget(http);
        if (KeyAlphabet.Problem(key) is { } problem)
        {
            return ApiEndpoints.Error(400, "bad_request", problem);
        }

        if (System.Text.Encoding.UTF8.GetByteCount(key) > LedgerLimits.MaxKeyBytes)
        {
            return ApiEndpoints.Error(400, "bad_request", $"key: expected 1 to {LedgerLimits.MaxKeyBytes} bytes");
        }

        if (http.Request.Query.TryGetValue("min_height", out var minText))
        {
            if (!ulong.TryParse(minText.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out ulong minHeight))
            {
                return ApiEndpoints.Error(400, "bad_request", $"min_height: '{minText}' — expected a block height (a non-negative integer)");
            }

            if (!await WaitForHeightAsync(node.Runtime, minHeight, node.MinHeightWait, ct))
            {
                http.Response.Headers.RetryAfter = "1";
                return ApiEndpoints.Error(503, "behind", $"this node has applied height {node.Runtime.Snapshot.Height}, not min_height {minHeight}, within {node.MinHeightWait.TotalMilliseconds:0} ms; retry, or read from another node");
            }
        }

        if (http.Request.Query.TryGetValue("proof", out var proofText))
        {
            if (proofText.ToString() is not ("true" or "false"))
            {
                return ApiEndpoints.Error(400, "bad_request", $"proof: '{proofText}' — expected true or false");
            }

            if (proofText.ToString() == "true")
            {
                return await ProveAsync(node, System.Text.Encoding.UTF8.GetBytes(key), ct);
            }
        }

        KvEntry? entry = await node.Runtime.Store.GetAsync(System.Text.Encoding.UTF8.GetBytes(key), ct);
        return entry is null
            ? ApiEndpoints.Error(404, "not_found", $"key '{key}' is not set")
            : Results.Json(new KvResponse(key, System.Text.Encoding.UTF8.GetString(entry.Value), entry.Height), ApiJsonContext.Default.KvResponse);
    }

    /// <summary>
    /// The proof at the stored tip's header. That header commits to the state after tip − pipeline_depth, whose tree the
    /// store keeps (it prunes only below the previous stable checkpoint's header), so the value comes from the proof's
    /// leaf, not the kv table, which is up to pipeline_depth blocks newer. A node missing under that root is damage —
    /// unless two checkpoints passed during the walk and pruned it, so the walk is tried once more at the new tip
    /// before the store is reported (not ready, store_corrupt, aegis_storage_integrity_failures_total{check="read"}).
    /// </summary>
    private static async Task<IResult> ProveAsync(NodeServices node, byte[] key, CancellationToken ct)
    {
        INodeRuntime runtime = node.Runtime;
        bool retried = false;
        while (true)
        {
            StoredBlock? tip = await runtime.Store.GetBlockAsync((await runtime.Store.GetTipAsync(ct)).Height, ct);
            if (tip is null)
            {
                return ApiEndpoints.Error(503, "no_block", "no block is committed yet, so there is no certified header to prove against; retry once height 1 is committed");
            }

            try
            {
                StateProof proof = StateTree.Prove(runtime.Store.StateNodes, tip.Block.Header.StateRoot, key, out byte[]? value);
                var answer = new KvProof(tip.Block.Header, tip.Certificate, key, value, proof);
                return Results.Content(KvProofJson.From(answer, runtime.Genesis.Parameters.PipelineDepth).ToJson(), "application/json");
            }
            catch (MissingTreeNodeException ex)
            {
                if (!retried)
                {
                    retried = true;
                    continue;
                }

                // Missed twice, the second time at a tip read after the first miss, whose tree the pruning rule keeps.
                string problem = $"the state tree under block {tip.Height}'s state root is incomplete ({ex.Message})";
                node.Readiness.Storage.IntegrityFailed(Monitoring.StorageHealth.ReadCheck, problem);
                return ApiEndpoints.Error(503, "store_corrupt", $"this node's store is damaged and is not served ({problem}); ask another node");
            }
        }
    }

    /// <summary>The key as the client encoded it: the raw target after /v1/kv/, without its query, percent-decoded once.</summary>
    internal static string KeyFromTarget(HttpContext http)
    {
        string raw = http.Features.Get<IHttpRequestFeature>()?.RawTarget ?? "";
        int query = raw.IndexOf('?', StringComparison.Ordinal);
        if (query >= 0)
        {
            raw = raw[..query];
        }

        // An absolute-form target (http://host/v1/kv/…) or a differently spelled prefix falls back to the routed path.
        string encoded = raw.StartsWith(Prefix, StringComparison.Ordinal) ? raw[Prefix.Length..] : (http.Request.RouteValues["key"] as string ?? "");
        return Uri.UnescapeDataString(encoded);
    }

    /// <summary>
    /// True once the node has applied <paramref name="height"/>. Subscribes to committed blocks before looking at the
    /// height, so a block that lands in between is not missed; never longer than <paramref name="limit"/>.
    /// </summary>
    private static async Task<bool> WaitForHeightAsync(INodeRuntime runtime, ulong height, TimeSpan limit, CancellationToken ct)
    {
        if (runtime.Snapshot.Height >= height)
        {
            return true;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(limit);
        IAsyncEnumerator<BlockEvent> blocks = runtime.SubscribeAsync(timeout.Token).GetAsyncEnumerator(timeout.Token);

        // The first MoveNextAsync registers the subscription before it waits, so the check after it cannot race a commit.
        Task<bool> next = blocks.MoveNextAsync().AsTask();
        try
        {
            while (runtime.Snapshot.Height < height && await next)
            {
                next = blocks.MoveNextAsync().AsTask();
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
        }
        finally
        {
            // An iterator is disposed only when no MoveNextAsync is pending: cancel it, let it finish, then dispose.
            await timeout.CancelAsync();
            try
            {
                await next;
            }
            catch (OperationCanceledException)
            {
            }

            await blocks.DisposeAsync();
        }

        return runtime.Snapshot.Height >= height;
    }
}
