using System.Text;
using System.Text.Json.Nodes;
using Aegis.Knowledge.Access;
using Aegis.Knowledge.Answers;
using Aegis.Knowledge.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Aegis.Knowledge.Api;

/// <summary>
/// The document and question API (contracts/knowledge.md): upload, list, get, delete documents; ask with cited
/// answers, whole or as Server-Sent Events. Errors are <c>{"error", "message"}</c> with the right status, as the node's.
/// </summary>
public static class KnowledgeEndpoints
{
    public static void MapKnowledgeApi(this IEndpointRouteBuilder app, KnowledgeService service, int defaultTopK)
    {
        RouteGroupBuilder api = app.MapGroup("/api/v1");
        api.MapPost("/documents", (HttpContext h, CancellationToken ct) => Guard(() => UploadAsync(h, service, ct)));
        api.MapGet("/documents", (HttpContext h, CancellationToken ct) => Guard(async () =>
        {
            (IReadOnlyList<DocumentRecord> docs, IReadOnlyList<IngestProgress> processing) = await service.ListAsync(Caller.From(h.User), ct);
            var list = new JsonArray(docs.Select(d => (JsonNode)Render(d)).ToArray());
            foreach (IngestProgress p in processing)
            {
                list.Add(new JsonObject
                {
                    ["doc_id"] = p.DocId, ["collection"] = p.Collection, ["owner"] = p.Owner, ["area_id"] = p.AreaId, ["file_name"] = p.FileName,
                    ["status"] = "processing", ["stage"] = p.Stage, ["chunks_embedded"] = p.ChunksEmbedded, ["chunks_total"] = p.ChunksTotal,
                });
            }

            return JsonBody.Json(new JsonObject { ["documents"] = list });
        }));
        api.MapGet("/documents/{id}", (HttpContext h, string id, CancellationToken ct) => Guard(async () => JsonBody.Json(Render(await service.GetAsync(Caller.From(h.User), id, ct)))));
        api.MapGet("/documents/{id}/original", (HttpContext h, string id, CancellationToken ct) => Guard(async () =>
        {
            DocumentRecord d = await service.GetAsync(Caller.From(h.User), id, ct);
            return Results.File(Path.Combine(service.OriginalsDir, d.OriginalPath), "application/octet-stream", d.FileName);
        }));
        api.MapDelete("/documents/{id}", (HttpContext h, string id, CancellationToken ct) => Guard(async () =>
        {
            await service.DeleteAsync(Caller.From(h.User), id, ct);
            return JsonBody.Json(new JsonObject { ["doc_id"] = id, ["deleted"] = true });
        }));
        api.MapPost("/query", (HttpContext h, CancellationToken ct) => Guard(async () =>
        {
            QueryResult result = await QueryAsync(h, service, defaultTopK, ct);
            var answer = new StringBuilder();
            await foreach (string piece in result.Answerer.AnswerAsync(result.Question, result.Sources, ct))
            {
                answer.Append(piece);
            }

            return JsonBody.Json(new JsonObject { ["answer"] = answer.ToString(), ["answered_by"] = result.Answerer.Name, ["sources"] = Sources(result.Sources) });
        }));
        api.MapPost("/query/stream", (HttpContext h, CancellationToken ct) => StreamAsync(h, service, defaultTopK, ct));
    }

    public static IResult Error(int status, string code, string message) =>
        JsonBody.Json(new JsonObject { ["error"] = code, ["message"] = message }, status);

    private static async Task<IResult> Guard(Func<Task<IResult>> action)
    {
        try
        {
            return await action();
        }
        catch (KnowledgeException ex)
        {
            return Error(ex.Status, ex.Code, ex.Message);
        }
    }

    private static async Task<IResult> UploadAsync(HttpContext http, KnowledgeService service, CancellationToken ct)
    {
        if (!http.Request.HasFormContentType)
        {
            throw new KnowledgeException(415, "bad_request", "body: expected multipart/form-data with a 'file' part and a 'collection' field");
        }

        IFormCollection form;
        try
        {
            form = await http.Request.ReadFormAsync(ct);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or Microsoft.AspNetCore.Http.BadHttpRequestException)
        {
            throw ex is Microsoft.AspNetCore.Http.BadHttpRequestException { StatusCode: 413 }
                ? new KnowledgeException(413, "too_large", "the upload is larger than api.max_upload_bytes")
                : new KnowledgeException(400, "bad_request", $"body: unreadable multipart form ({ex.Message})");
        }

        IFormFile file = form.Files.GetFile("file") ?? (form.Files.Count == 1 ? form.Files[0] : null)
            ?? throw new KnowledgeException(400, "bad_request", "file: missing (send the document as the multipart part named 'file')");
        string collection = form["collection"].FirstOrDefault() is { Length: > 0 } c ? c : KnowledgeAccess.General;
        string? area = form["area_id"].FirstOrDefault() is { Length: > 0 } a ? a : null;
        using var buffer = new MemoryStream((int)Math.Min(file.Length, int.MaxValue));
        await file.CopyToAsync(buffer, ct);
        if (buffer.Length == 0)
        {
            throw new KnowledgeException(422, "empty_document", $"{file.FileName}: the file is empty");
        }

        DocumentRecord doc = await service.IngestAsync(Caller.From(http.User), file.FileName, buffer.ToArray(), collection, area, ct);
        JsonObject body = Render(doc);
        body["chunks"] = doc.Chunks;
        return JsonBody.Json(body, 201);
    }

    private static async Task<QueryResult> QueryAsync(HttpContext http, KnowledgeService service, int defaultTopK, CancellationToken ct)
    {
        JsonObject body = await JsonBody.ReadAsync(http.Request, ct);
        string query = JsonBody.String(body, "query") ?? throw new KnowledgeException(400, "bad_request", "query: missing — expected the question as a string");
        return service.Query(Caller.From(http.User), query, JsonBody.String(body, "collection"), JsonBody.String(body, "area_id"), JsonBody.Int(body, "top_k") ?? defaultTopK, ct);
    }

    // text/event-stream: one "sources" event, "token" events as the answer is written, then "done" with the whole answer.
    private static async Task StreamAsync(HttpContext http, KnowledgeService service, int defaultTopK, CancellationToken ct)
    {
        QueryResult result;
        try
        {
            result = await QueryAsync(http, service, defaultTopK, ct);
        }
        catch (KnowledgeException ex)
        {
            await Error(ex.Status, ex.Code, ex.Message).ExecuteAsync(http);
            return;
        }

        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        await SendAsync(http, "sources", new JsonObject { ["sources"] = Sources(result.Sources), ["answered_by"] = result.Answerer.Name }, ct);
        var answer = new StringBuilder();
        try
        {
            await foreach (string piece in result.Answerer.AnswerAsync(result.Question, result.Sources, ct))
            {
                answer.Append(piece);
                await SendAsync(http, "token", new JsonObject { ["text"] = piece }, ct);
            }

            await SendAsync(http, "done", new JsonObject { ["answer"] = answer.ToString() }, ct);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or InvalidOperationException && !ct.IsCancellationRequested)
        {
            await SendAsync(http, "error", new JsonObject { ["error"] = "answer_failed", ["message"] = $"{result.Answerer.Name}: {ex.Message}" }, ct);
        }
    }

    private static async Task SendAsync(HttpContext http, string name, JsonObject data, CancellationToken ct)
    {
        await http.Response.WriteAsync($"event: {name}\ndata: {JsonBody.Text(data)}\n\n", ct);
        await http.Response.Body.FlushAsync(ct);
    }

    private static JsonArray Sources(IReadOnlyList<Source> sources) => new(sources.Select((s, i) => (JsonNode)new JsonObject
    {
        ["citation"] = i + 1,
        ["doc_id"] = s.DocId,
        ["chunk_id"] = s.ChunkId,
        ["score"] = s.Score,
        ["text"] = s.Text,
        ["collection"] = s.Collection,
        ["file_name"] = s.FileName,
        ["page"] = s.Page,
        ["heading"] = s.Heading,
    }).ToArray());

    private static JsonObject Render(DocumentRecord d) => new()
    {
        ["doc_id"] = d.Id,
        ["collection"] = d.Collection,
        ["owner"] = d.Owner,
        ["area_id"] = d.AreaId,
        ["file_name"] = d.FileName,
        ["format"] = d.Format,
        ["bytes"] = d.Bytes,
        ["sha256"] = d.Sha256,
        ["chunks"] = d.Chunks,
        ["status"] = "indexed",
        ["model"] = d.Model,
        ["model_version"] = d.ModelVersion,
        ["created_at"] = DateTimeOffset.FromUnixTimeMilliseconds(d.CreatedAtMs).ToString("O", System.Globalization.CultureInfo.InvariantCulture),
    };
}
