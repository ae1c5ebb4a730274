using System.Text.Json;
using Aegis.Node.Api;

namespace Aegis.Fuzz.Targets;

/// <summary>
/// Request bodies of the REST API, through the same source-generated JSON contracts and validation the endpoints use.
/// Clear errors: <see cref="JsonException"/> for bodies that are not the expected JSON (answered 400), a problem
/// string naming the field for a transaction that is not valid.
/// </summary>
public static class RestTargets
{
    public static IEnumerable<FuzzTarget> All =>
    [
        new("tx-json", "rest", "POST /v1/tx body → TxRequest → TxRequests.ToTransaction", Tx),
        new("batch-json", "rest", "POST /v1/txs body → List<TxRequest> → TxRequests.ToTransaction each", Batch),
    ];

    private static void Tx(ReadOnlySpan<byte> input)
    {
        TxRequest? request;
        try
        {
            request = JsonSerializer.Deserialize(input, ApiJsonContext.Default.TxRequest);
        }
        catch (JsonException ex)
        {
            FuzzOracleException.RequireMessage(ex);
            return;
        }

        if (request is not null)
        {
            Check(request);
        }
    }

    private static void Batch(ReadOnlySpan<byte> input)
    {
        List<TxRequest>? requests;
        try
        {
            requests = JsonSerializer.Deserialize(input, ApiJsonContext.Default.ListTxRequest);
        }
        catch (JsonException ex)
        {
            FuzzOracleException.RequireMessage(ex);
            return;
        }

        foreach (TxRequest? request in requests ?? [])
        {
            if (request is not null)
            {
                Check(request);
            }
        }
    }

    private static void Check(TxRequest request)
    {
        (Aegis.Core.Ledger.Transaction? tx, string? problem) = TxRequests.ToTransaction(request);
        if (tx is null == (problem is null))
        {
            throw new FuzzOracleException("tx: a transaction and a problem at once, or neither");
        }

        if (tx is not null)
        {
            // The answer to a good request echoes the transaction back as JSON: that must not throw either.
            _ = JsonSerializer.Serialize(TxRequests.ToJson(tx), ApiJsonContext.Default.TxJson);
        }
    }
}
