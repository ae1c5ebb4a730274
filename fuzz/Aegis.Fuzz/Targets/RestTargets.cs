using System.Text.Json;
using Aegis.Node.Api;

namespace Aegis.Fuzz.Targets;

/// <summary>
/// Request bodies of the REST API, through the same parse limits and field-by-field reader (<see cref="TxBody"/>) the
/// endpoints use. Clear errors: <see cref="JsonException"/> for bodies that are not JSON (answered 400), a problem
/// string naming the field for an element that is not a transaction or not a valid one.
/// </summary>
public static class RestTargets
{
    public static IEnumerable<FuzzTarget> All =>
    [
        new("tx-json", "rest", "POST /v1/tx body → TxBody.Read → TxRequests.ToTransaction", Tx),
        new("batch-json", "rest", "POST /v1/txs body → each element TxBody.Read → TxRequests.ToTransaction", Batch),
    ];

    private static void Tx(ReadOnlySpan<byte> input)
    {
        using JsonDocument? body = Parse(input);
        if (body is not null)
        {
            Check(TxBody.Read(body.RootElement));
        }
    }

    private static void Batch(ReadOnlySpan<byte> input)
    {
        using JsonDocument? body = Parse(input);
        if (body is not null && body.RootElement.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement element in body.RootElement.EnumerateArray())
            {
                Check(TxBody.Read(element));
            }
        }
    }

    private static JsonDocument? Parse(ReadOnlySpan<byte> input)
    {
        try
        {
            return JsonDocument.Parse(input.ToArray(), TxBody.Options);
        }
        catch (JsonException ex)
        {
            FuzzOracleException.RequireMessage(ex);
            return null;
        }
    }

    private static void Check((TxRequest? Request, string? Problem) read)
    {
        if (read.Request is null == (read.Problem is null))
        {
            throw new FuzzOracleException("body: a request and a problem at once, or neither");
        }

        if (read.Request is null)
        {
            return;
        }

        (Aegis.Core.Ledger.Transaction? tx, string? problem) = TxRequests.ToTransaction(read.Request);
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
