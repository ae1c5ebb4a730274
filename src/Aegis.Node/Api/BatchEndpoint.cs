using System.Text.Json;
using Aegis.Core.Crypto;
using Aegis.Core.Ledger;
using Aegis.Node.Runtime;
using Microsoft.AspNetCore.Http;

namespace Aegis.Node.Api;

/// <summary>
/// POST /v1/txs: an array of transactions, each answered in order. A bad element is refused on its own; the good
/// ones go to the mempool in one step. With ?wait=commit the answer comes when every accepted one is committed.
/// </summary>
public static class BatchEndpoint
{
    public const int MaxBatch = 10_000;
    public const long MaxBatchBodyBytes = 64L * 1024 * 1024;

    public static async Task<IResult> SubmitAsync(HttpContext http, NodeServices node, CancellationToken ct)
    {
        // A batch is allowed to be larger than a single transaction's body.
        if (http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxBatchBodyBytes;
        }

        JsonDocument body;
        try
        {
            body = await JsonDocument.ParseAsync(http.Request.Body, TxBody.Options, ct);
        }
        catch (JsonException ex)
        {
            return ApiEndpoints.Error(400, "bad_request", "body is not a JSON array of transactions: " + TxBody.Syntax(ex));
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return ApiEndpoints.Error(413, "too_large", ex.Message);
        }

        using (body)
        {
            if (body.RootElement.ValueKind != JsonValueKind.Array || body.RootElement.GetArrayLength() == 0)
            {
                return ApiEndpoints.Error(400, "bad_request", "body must be a non-empty JSON array of transactions");
            }

            int count = body.RootElement.GetArrayLength();
            if (count > MaxBatch)
            {
                return ApiEndpoints.Error(413, "too_large", $"{count} transactions in one batch; at most {MaxBatch}");
            }

            return await SubmitAsync(http, node, [.. body.RootElement.EnumerateArray().Select(TxBody.Read)], ct);
        }
    }

    private static async Task<IResult> SubmitAsync(HttpContext http, NodeServices node, List<(TxRequest? Request, string? Problem)> requests, CancellationToken ct)
    {
        var items = new TxBatchItem?[requests.Count];
        var valid = new List<(int Index, Transaction Tx)>(requests.Count);
        for (int i = 0; i < requests.Count; i++)
        {
            (Transaction? tx, string? problem) = requests[i].Request is { } request ? TxRequests.ToTransaction(request) : (null, requests[i].Problem);
            if (tx is null)
            {
                items[i] = new TxBatchItem(null, null, null, "bad_request", $"[{i}] {problem}");
            }
            else
            {
                valid.Add((i, tx));
            }
        }

        SubmitStatus[] statuses = valid.Count == 0 ? [] : await node.Runtime.SubmitManyAsync([.. valid.Select(v => v.Tx)], ct);
        bool wait = string.Equals(http.Request.Query["wait"], "commit", StringComparison.OrdinalIgnoreCase);
        var waits = new List<(int Index, Task<CommitInfo> Commit)>();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(node.CommitWaitTimeout);
        for (int k = 0; k < valid.Count; k++)
        {
            (int i, Transaction tx) = valid[k];
            switch (statuses[k])
            {
                case SubmitStatus.Accepted or SubmitStatus.Duplicate:
                    items[i] = new TxBatchItem(tx.Hash.ToString(), null, null, null, null);
                    if (wait)
                    {
                        waits.Add((i, node.Runtime.WaitForCommitAsync(tx.Hash, timeout.Token)));
                    }

                    break;
                case SubmitStatus.MempoolFull:
                    items[i] = new TxBatchItem(tx.Hash.ToString(), null, null, "mempool_full", "the mempool is full; retry later");
                    break;
                default:
                    items[i] = new TxBatchItem(tx.Hash.ToString(), null, null, "unavailable", "the node is not accepting transactions");
                    break;
            }
        }

        foreach ((int i, Task<CommitInfo> commit) in waits)
        {
            try
            {
                CommitInfo info = await commit;
                items[i] = items[i]! with { Height = info.Height, BlockHash = info.BlockHash.ToString() };
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                items[i] = items[i]! with { Error = "commit_timeout", Message = $"not committed within {node.CommitWaitTimeout.TotalSeconds:0}s" };
            }
        }

        int accepted = items.Count(x => x!.Error is null);
        if (accepted == 0 && statuses.Contains(SubmitStatus.MempoolFull))
        {
            http.Response.Headers.RetryAfter = "1";
        }

        var response = new TxBatchResponse(accepted, [.. items.Select(x => x!)]);
        return Results.Json(response, ApiJsonContext.Default.TxBatchResponse, statusCode: wait ? 200 : 202);
    }
}
