using System.Diagnostics;
using System.Text.Json.Nodes;
using Aegis.Knowledge.Access;
using Aegis.Knowledge.Api;
using Aegis.Knowledge.Retrieval;
using Aegis.Knowledge.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Aegis.Knowledge.Qdrant;

/// <summary>
/// A subset of Qdrant's REST API (v1.15) under <c>/qdrant</c>, over the same indexes the document API uses, so a
/// Qdrant client (e.g. @qdrant/js-client-rest) can create collections, upsert, search/query with filters, scroll,
/// retrieve, count and delete. Answers use Qdrant's envelope <c>{"result", "status": "ok", "time"}</c>; errors
/// <c>{"status": {"error": "…"}}</c>. The document collections are readable here under the same access rules, and
/// writable only through the document API.
/// </summary>
public static class QdrantEndpoints
{
    public const string Version = "1.15.0";

    public static void MapQdrant(this IEndpointRouteBuilder app, KnowledgeService service)
    {
        RouteGroupBuilder q = app.MapGroup("/qdrant");
        q.MapGet("/", () => JsonBody.Json(new JsonObject { ["title"] = "aegis knowledge (qdrant-compatible subset)", ["version"] = Version }));
        q.MapGet("/collections", (HttpContext h, CancellationToken ct) => Run(h, () => new JsonObject
        {
            ["collections"] = new JsonArray(service.Catalog.All().Select(c => (JsonNode)new JsonObject { ["name"] = c.Record.Name }).ToArray()),
        }, ct));
        q.MapGet("/collections/{name}", (HttpContext h, string name, CancellationToken ct) => Run(h, () => Describe(Find(service, name)), ct));
        q.MapGet("/collections/{name}/exists", (HttpContext h, string name, CancellationToken ct) => Run(h, () => new JsonObject { ["exists"] = service.Catalog.Find(name) is not null }, ct));
        q.MapPut("/collections/{name}", (HttpContext h, string name, CancellationToken ct) => RunAsync(h, async body => await CreateAsync(service, name, body, ct), true, ct));
        q.MapDelete("/collections/{name}", (HttpContext h, string name, CancellationToken ct) => RunAsync(h, async _ =>
        {
            if (service.Catalog.Find(name) is { Record.Managed: true })
            {
                throw new KnowledgeException(403, "managed_collection", $"collection {name} holds documents; delete them through /api/v1/documents");
            }

            return (JsonNode)(await service.Catalog.DeleteAsync(name, ct));
        }, false, ct));
        q.MapPut("/collections/{name}/points", (HttpContext h, string name, CancellationToken ct) => RunAsync(h, async body => await UpsertAsync(service, Writable(service, name), body, ct), true, ct));
        q.MapPost("/collections/{name}/points/delete", (HttpContext h, string name, CancellationToken ct) => RunAsync(h, async body => await DeleteAsync(service, Writable(service, name), body, ct), true, ct));
        q.MapPost("/collections/{name}/points/search", (HttpContext h, string name, CancellationToken ct) => RunAsync(h, body => Task.FromResult<JsonNode>(Search(Readable(h, service, name), body, JsonBody.Vector(body["vector"] is JsonObject named ? named["vector"] : body["vector"], "vector"))), true, ct));
        q.MapPost("/collections/{name}/points/query", (HttpContext h, string name, CancellationToken ct) => RunAsync(h, body =>
        {
            JsonNode? query = body["query"] is JsonObject nearest && nearest["nearest"] is { } n ? n : body["query"];
            return Task.FromResult<JsonNode>(new JsonObject { ["points"] = Search(Readable(h, service, name), body, JsonBody.Vector(query, "query")) });
        }, true, ct));
        q.MapPost("/collections/{name}/points/scroll", (HttpContext h, string name, CancellationToken ct) => RunAsync(h, body => Task.FromResult<JsonNode>(Scroll(Readable(h, service, name), body)), true, ct));
        q.MapPost("/collections/{name}/points/count", (HttpContext h, string name, CancellationToken ct) => RunAsync(h, body =>
        {
            (CollectionIndex index, Func<Point, bool> filter) = Readable(h, service, name, body["filter"]);
            return Task.FromResult<JsonNode>(new JsonObject { ["count"] = index.Where(filter).Count });
        }, true, ct));
        q.MapPost("/collections/{name}/points", (HttpContext h, string name, CancellationToken ct) => RunAsync(h, body =>
        {
            (CollectionIndex index, Func<Point, bool> filter) = Readable(h, service, name);
            JsonArray ids = body["ids"] as JsonArray ?? throw new KnowledgeException(400, "bad_request", "ids: expected an array of point ids");
            var found = ids.Select((id, i) => index.Get(PointIds.Parse(id, $"ids[{i}]"))).Where(p => p is not null && filter(p)).ToList();
            return Task.FromResult<JsonNode>(new JsonArray(found.Select(p => Render(p!, null, body)).ToArray()));
        }, true, ct));
    }

    private static async Task<IResult> RunAsync(HttpContext http, Func<JsonObject, Task<JsonNode>> action, bool readBody, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        try
        {
            JsonObject body = readBody && (http.Request.ContentLength ?? 1) > 0 ? await JsonBody.ReadAsync(http.Request, ct) : [];
            JsonNode result = await action(body);
            return JsonBody.Json(new JsonObject { ["result"] = result, ["status"] = "ok", ["time"] = watch.Elapsed.TotalSeconds });
        }
        catch (KnowledgeException ex)
        {
            return JsonBody.Json(new JsonObject { ["status"] = new JsonObject { ["error"] = ex.Message }, ["time"] = watch.Elapsed.TotalSeconds }, ex.Status);
        }
    }

    private static Task<IResult> Run(HttpContext http, Func<JsonNode> action, CancellationToken ct) => RunAsync(http, _ => Task.FromResult(action()), false, ct);

    private static (CollectionRecord Record, CollectionIndex Index) Find(KnowledgeService service, string name) =>
        service.Catalog.Find(name) ?? throw new KnowledgeException(404, "not_found", $"Not found: Collection `{name}` doesn't exist!");

    private static CollectionIndex Writable(KnowledgeService service, string name)
    {
        (CollectionRecord record, CollectionIndex index) = Find(service, name);
        return record.Managed
            ? throw new KnowledgeException(403, "managed_collection", $"collection {name} holds documents; write it through /api/v1/documents")
            : index;
    }

    private static (CollectionIndex Index, Func<Point, bool> Filter) Readable(HttpContext http, KnowledgeService service, string name, JsonNode? filter = null)
    {
        (CollectionRecord record, CollectionIndex index) = Find(service, name);
        Func<Point, bool>? payload = PayloadFilter.Parse(filter);
        Func<Point, bool> access = record.Managed ? KnowledgeAccess.Filter(Caller.From(http.User), name) : _ => true;
        return (index, payload is null ? access : p => access(p) && payload(p));
    }

    private static (CollectionIndex Index, Func<Point, bool> Filter) Readable(HttpContext http, KnowledgeService service, string name) => Readable(http, service, name, null);

    private static JsonObject Describe((CollectionRecord Record, CollectionIndex Index) c) => new()
    {
        ["status"] = "green",
        ["optimizer_status"] = "ok",
        ["points_count"] = c.Index.Count,
        ["indexed_vectors_count"] = c.Index.UsesAnn ? c.Index.Count : 0,
        ["segments_count"] = 1,
        ["config"] = new JsonObject
        {
            ["params"] = new JsonObject { ["vectors"] = new JsonObject { ["size"] = c.Record.Dimensions, ["distance"] = c.Record.Distance } },
        },
        ["payload_schema"] = new JsonObject(),
    };

    private static async Task<JsonNode> CreateAsync(KnowledgeService service, string name, JsonObject body, CancellationToken ct)
    {
        if (name.Length is 0 or > 255 || name.Any(ch => ch is '/' or '\\' or '\0'))
        {
            throw new KnowledgeException(400, "bad_request", $"collection name {name}: expected 1..255 characters without slashes");
        }

        JsonObject vectors = body["vectors"] as JsonObject ?? throw new KnowledgeException(400, "bad_request", "vectors: expected {\"size\": N, \"distance\": \"Cosine\"|\"Dot\"}");
        int size = JsonBody.Int(vectors, "size") ?? throw new KnowledgeException(400, "bad_request", "vectors.size: expected a whole number");
        if (size is < 1 or > 65536)
        {
            throw new KnowledgeException(400, "bad_request", $"vectors.size: {size} — expected 1..65536");
        }

        string distanceName = JsonBody.String(vectors, "distance") ?? "Cosine";
        if (!DistanceNames.TryParse(distanceName, out Distance distance))
        {
            throw new KnowledgeException(400, "bad_request", $"vectors.distance: {distanceName} — expected Cosine or Dot (Euclid and Manhattan are not served)");
        }

        if (!await service.Catalog.CreateAsync(name, size, distance, managed: false, ct))
        {
            throw new KnowledgeException(409, "exists", $"Wrong input: Collection `{name}` already exists!");
        }

        return true;
    }

    private static async Task<JsonNode> UpsertAsync(KnowledgeService service, CollectionIndex index, JsonObject body, CancellationToken ct)
    {
        var points = new List<StoredPoint>();
        if (body["points"] is JsonArray list)
        {
            for (int i = 0; i < list.Count; i++)
            {
                JsonObject p = list[i] as JsonObject ?? throw new KnowledgeException(400, "bad_request", $"points[{i}]: expected an object");
                JsonNode? vector = p["vector"] is JsonObject named ? named.FirstOrDefault().Value : p["vector"];
                points.Add(Stored(PointIds.Parse(p["id"], $"points[{i}].id"), JsonBody.Vector(vector, $"points[{i}].vector"), p["payload"], $"points[{i}].payload"));
            }
        }
        else if (body["batch"] is JsonObject batch && batch["ids"] is JsonArray ids && batch["vectors"] is JsonArray vectors)
        {
            if (ids.Count != vectors.Count)
            {
                throw new KnowledgeException(400, "bad_request", $"batch: {ids.Count} ids but {vectors.Count} vectors");
            }

            var payloads = batch["payloads"] as JsonArray;
            for (int i = 0; i < ids.Count; i++)
            {
                points.Add(Stored(PointIds.Parse(ids[i], $"batch.ids[{i}]"), JsonBody.Vector(vectors[i], $"batch.vectors[{i}]"), payloads?[i], $"batch.payloads[{i}]"));
            }
        }
        else
        {
            throw new KnowledgeException(400, "bad_request", "body: expected points: [{id, vector, payload}] or batch: {ids, vectors, payloads}");
        }

        if (points.Count > 10_000)
        {
            throw new KnowledgeException(400, "bad_request", $"points: {points.Count} — at most 10000 per request");
        }

        await service.Catalog.UpsertAsync(index.Name, points, ct);
        return Completed();
    }

    private static StoredPoint Stored(string id, float[] vector, JsonNode? payload, string path)
    {
        JsonObject obj = payload switch
        {
            null => [],
            JsonObject o => o,
            _ => throw new KnowledgeException(400, "bad_request", $"{path}: expected an object"),
        };

        // BM25 indexes the text a RAG client usually stores (LangChain's page_content, LlamaIndex's text).
        string? text = (obj["text"] ?? obj["page_content"] ?? obj["content"]) is JsonValue t && t.TryGetValue(out string? s) ? s : null;
        return new StoredPoint(id, vector, obj.ToJsonString(), text, null, null, null, "client", "");
    }

    private static async Task<JsonNode> DeleteAsync(KnowledgeService service, CollectionIndex index, JsonObject body, CancellationToken ct)
    {
        List<string> ids = body["points"] is JsonArray list ? list.Select((id, i) => PointIds.Parse(id, $"points[{i}]")).ToList()
            : body["filter"] is JsonObject filter ? index.Where(PayloadFilter.Parse(filter)!).Select(p => p.Id).ToList()
            : throw new KnowledgeException(400, "bad_request", "body: expected points: [ids] or filter: {...}");
        await service.Catalog.DeletePointsAsync(index.Name, ids, ct);
        return Completed();
    }

    private static JsonArray Search((CollectionIndex Index, Func<Point, bool> Filter) target, JsonObject body, float[] vector)
    {
        (CollectionIndex index, Func<Point, bool> access) = target;
        Func<Point, bool>? payload = PayloadFilter.Parse(body["filter"]);
        int limit = JsonBody.Int(body, "limit") ?? 10;
        int offset = JsonBody.Int(body, "offset") ?? 0;
        if (limit is < 1 or > 10_000 || offset is < 0 or > 10_000)
        {
            throw new KnowledgeException(400, "bad_request", $"limit/offset: {limit}/{offset} — expected limit 1..10000 and offset 0..10000");
        }

        float? threshold = body["score_threshold"] is JsonValue t && t.TryGetValue(out float f) ? f : null;
        List<ScoredPoint> hits = index.DenseSearch(vector, limit + offset, payload is null ? access : p => access(p) && payload(p));
        return new JsonArray(hits.Skip(offset).Where(h => threshold is null || h.Score >= threshold).Select(h => Render(h.Point, h.Score, body)).ToArray());
    }

    private static JsonObject Scroll((CollectionIndex Index, Func<Point, bool> Filter) target, JsonObject body)
    {
        (CollectionIndex index, Func<Point, bool> access) = target;
        Func<Point, bool>? payload = PayloadFilter.Parse(body["filter"]);
        int limit = JsonBody.Int(body, "limit") ?? 10;
        if (limit is < 1 or > 10_000)
        {
            throw new KnowledgeException(400, "bad_request", $"limit: {limit} — expected 1..10000");
        }

        List<Point> all = index.Where(payload is null ? access : p => access(p) && payload(p));
        int start = 0;
        if (body["offset"] is { } offset)
        {
            string from = PointIds.Parse(offset, "offset");
            start = Math.Max(0, all.FindIndex(p => p.Id == from));
        }

        List<Point> page = all.Skip(start).Take(limit).ToList();
        return new JsonObject
        {
            ["points"] = new JsonArray(page.Select(p => Render(p, null, body)).ToArray()),
            ["next_page_offset"] = start + limit < all.Count ? PointIds.ToJson(all[start + limit].Id) : null,
        };
    }

    private static JsonNode Render(Point p, float? score, JsonObject body)
    {
        var o = new JsonObject { ["id"] = PointIds.ToJson(p.Id), ["version"] = 0 };
        if (score is { } s)
        {
            o["score"] = s;
        }

        JsonNode? withPayload = body["with_payload"];
        if (withPayload is null || (withPayload is JsonValue v && v.TryGetValue(out bool b) && b))
        {
            o["payload"] = p.Payload.DeepClone();
        }
        else if (withPayload is JsonArray keys)
        {
            var selected = new JsonObject();
            foreach (string? k in keys.Select(k => (string?)k))
            {
                if (k is not null && p.Payload.TryGetPropertyValue(k, out JsonNode? value))
                {
                    selected[k] = value?.DeepClone();
                }
            }

            o["payload"] = selected;
        }

        if (body["with_vector"] is JsonValue wv && wv.TryGetValue(out bool withVector) && withVector)
        {
            o["vector"] = new JsonArray(p.Vector.Select(x => (JsonNode)x).ToArray());
        }

        return o;
    }

    private static JsonObject Completed() => new() { ["operation_id"] = 0, ["status"] = "completed" };
}
