using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Aegis.Knowledge.Api;

/// <summary>Reads a JSON request body into a tree and its fields with errors that name the field and what was expected.</summary>
internal static class JsonBody
{
    public static async Task<JsonObject> ReadAsync(HttpRequest request, CancellationToken ct)
    {
        try
        {
            JsonNode? node = await JsonNode.ParseAsync(request.Body, documentOptions: new JsonDocumentOptions { MaxDepth = 32 }, cancellationToken: ct);
            return node as JsonObject ?? throw new KnowledgeException(400, "bad_request", "body: expected a JSON object");
        }
        catch (JsonException ex)
        {
            throw new KnowledgeException(400, "bad_request", $"body: not valid JSON ({ex.Message})");
        }
    }

    public static string? String(JsonObject body, string field) => body[field] switch
    {
        null => null,
        JsonValue v when v.TryGetValue(out string? s) => s,
        _ => throw new KnowledgeException(400, "bad_request", $"{field}: expected a string"),
    };

    public static int? Int(JsonObject body, string field) => body[field] switch
    {
        null => null,
        JsonValue v when v.TryGetValue(out int i) => i,
        _ => throw new KnowledgeException(400, "bad_request", $"{field}: expected a whole number"),
    };

    public static bool? Bool(JsonObject body, string field) => body[field] switch
    {
        null => null,
        JsonValue v when v.TryGetValue(out bool b) => b,
        _ => throw new KnowledgeException(400, "bad_request", $"{field}: expected true or false"),
    };

    public static float[] Vector(JsonNode? node, string field)
    {
        if (node is not JsonArray a || a.Count == 0)
        {
            throw new KnowledgeException(400, "bad_request", $"{field}: expected a non-empty array of numbers");
        }

        var v = new float[a.Count];
        for (int i = 0; i < a.Count; i++)
        {
            v[i] = a[i] is JsonValue x && x.TryGetValue(out float f) && float.IsFinite(f) ? f : throw new KnowledgeException(400, "bad_request", $"{field}[{i}]: expected a finite number");
        }

        return v;
    }

    // Relaxed escaping: messages quote field names and paths ('file', <token>); the body is JSON, never embedded in HTML.
    private static readonly JsonSerializerOptions Output = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static IResult Json(JsonNode node, int status = 200) => Results.Text(Text(node), "application/json", System.Text.Encoding.UTF8, status);

    public static string Text(JsonNode node) => node.ToJsonString(Output);
}
