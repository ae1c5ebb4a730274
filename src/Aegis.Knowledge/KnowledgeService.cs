using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Aegis.Knowledge.Access;
using Aegis.Knowledge.Answers;
using Aegis.Knowledge.Chunking;
using Aegis.Knowledge.Embeddings;
using Aegis.Knowledge.Ingestion;
using Aegis.Knowledge.Monitoring;
using Aegis.Knowledge.Retrieval;
using Aegis.Knowledge.Storage;
using Microsoft.Extensions.Logging;

namespace Aegis.Knowledge;

/// <summary>The answer to a question: the sources it cites, in citation order, and who wrote it.</summary>
public sealed record QueryResult(IReadOnlyList<Source> Sources, IAnswerer Answerer, string Question);

/// <summary>
/// Documents in, cited answers out. Ingestion: extract → chunk → embed (batched) → keep the original → store the
/// document and its chunks in one transaction → index. Any failure before the commit leaves nothing behind (no row,
/// no chunk, no original); the commit comes before the in-memory index, which is rebuilt from the store at start.
/// </summary>
public sealed partial class KnowledgeService(IndexCatalog catalog, IEmbedder embedder, TokenChunker chunker, IAnswerer answerer, string dataDir, KnowledgeMetrics metrics, ILogger<KnowledgeService> log)
{
    private readonly ConcurrentDictionary<string, IngestProgress> _inProgress = new(StringComparer.Ordinal);

    public IndexCatalog Catalog { get; } = catalog;

    public IEmbedder Embedder { get; } = embedder;

    public IAnswerer Answerer { get; } = answerer;

    public string OriginalsDir => Path.Combine(dataDir, "originals");

    private long _documentCount;

    /// <summary>Documents stored (the aegis_knowledge_documents gauge); uploads and deletes run concurrently, hence Interlocked.</summary>
    public long DocumentCount => Interlocked.Read(ref _documentCount);

    public async Task StartAsync(CancellationToken ct)
    {
        await Catalog.Store.InitializeAsync(ct);
        await Catalog.LoadAsync(ct);
        foreach (string name in new[] { KnowledgeAccess.General, KnowledgeAccess.Personal })
        {
            await Catalog.CreateAsync(name, Embedder.Dimensions, Distance.Cosine, managed: true, ct);
        }

        Directory.CreateDirectory(OriginalsDir);
        IReadOnlyList<DocumentRecord> docs = await Catalog.Store.ListDocumentsAsync(ct);
        Interlocked.Exchange(ref _documentCount, docs.Count);

        // An original whose document never committed (a crash mid-upload) is removed, so the data dir holds only indexed documents.
        var known = new HashSet<string>(docs.Select(d => Path.GetFileName(d.OriginalPath)), StringComparer.Ordinal);
        foreach (string file in Directory.EnumerateFiles(OriginalsDir))
        {
            if (!known.Contains(Path.GetFileName(file)))
            {
                File.Delete(file);
                LogOrphanRemoved(file);
            }
        }

        LogStarted(Catalog.Store.Description, docs.Count, Catalog.PointCount, Embedder.ModelName, Embedder.ModelVersion);
    }

    public async Task<DocumentRecord> IngestAsync(Caller caller, string fileName, byte[] content, string collection, string? areaId, CancellationToken ct)
    {
        var started = Stopwatch.StartNew();
        fileName = Path.GetFileName(fileName.Replace('\\', '/'));
        CheckName("collection", collection);
        if (areaId is not null)
        {
            CheckName("area_id", areaId);
            if (!caller.IsMemberOf(areaId))
            {
                throw new KnowledgeException(403, "not_a_member", $"you are not a member of area {areaId}");
            }
        }

        if (Catalog.Find(collection) is { } existing && !existing.Record.Managed)
        {
            throw new KnowledgeException(409, "not_a_document_collection", $"collection {collection} was created through the Qdrant API; upload documents into general_knowledge, personal_knowledge or a new collection name");
        }

        string docId = Guid.CreateVersion7().ToString();
        var progress = new IngestProgress(docId, fileName, collection, caller.Subject, areaId);
        _inProgress[docId] = progress;
        string? originalPath = null;
        try
        {
            ExtractedDocument extracted = TextExtractor.Extract(fileName, content);
            progress.Stage = "chunking";
            List<Chunk> chunks = chunker.Split(extracted.Sections);
            progress.Stage = "embedding";
            progress.ChunksTotal = chunks.Count;
            var vectors = new float[chunks.Count][];
            for (int i = 0; i < chunks.Count; i += ArcticEmbedder.BatchSize)
            {
                int n = Math.Min(ArcticEmbedder.BatchSize, chunks.Count - i);
                string[] texts = chunks.Skip(i).Take(n).Select(c => c.Text).ToArray();
                float[][] batch = await Task.Run(() => Embedder.EmbedPassages(texts, ct), ct);
                batch.CopyTo(vectors, i);
                progress.ChunksEmbedded = i + n;
            }

            progress.Stage = "storing";
            await Catalog.CreateAsync(collection, Embedder.Dimensions, Distance.Cosine, managed: true, ct);
            originalPath = Path.Combine(OriginalsDir, docId + Path.GetExtension(fileName).ToLowerInvariant());
            await WriteDurablyAsync(originalPath, content, ct);
            var record = new DocumentRecord(docId, collection, caller.Subject, areaId, fileName, extracted.Format, content.Length, Convert.ToHexStringLower(SHA256.HashData(content)), chunks.Count, Embedder.ModelName, Embedder.ModelVersion, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), Path.GetFileName(originalPath));
            List<StoredPoint> points = chunks.Select((c, i) => ChunkPoint(record, c, vectors[i])).ToList();
            await Catalog.Store.AddDocumentAsync(record, points, CancellationToken.None);
            originalPath = null;
            Catalog.Find(collection)!.Value.Index.Upsert(points.Select(IndexCatalog.ToPoint).ToList());
            Interlocked.Increment(ref _documentCount);
            metrics.Documents.Add(1);
            metrics.Chunks.Add(chunks.Count);
            metrics.IngestSeconds.Record(started.Elapsed.TotalSeconds);
            LogIngested(docId, fileName, collection, caller.Subject, chunks.Count, started.Elapsed.TotalMilliseconds);
            return record;
        }
        catch (DocumentRejectedException ex)
        {
            metrics.Rejected.Add(1);
            LogRejected(fileName, ex.Code, ex.Message);
            throw new KnowledgeException(ex.Code == "unsupported_type" ? 415 : 422, ex.Code, ex.Message);
        }
        finally
        {
            _inProgress.TryRemove(docId, out _);
            if (originalPath is not null && File.Exists(originalPath))
            {
                File.Delete(originalPath);
            }
        }
    }

    /// <summary>Documents the caller may read, plus the caller's own uploads still in progress.</summary>
    public async Task<(IReadOnlyList<DocumentRecord> Documents, IReadOnlyList<IngestProgress> Processing)> ListAsync(Caller caller, CancellationToken ct)
    {
        IReadOnlyList<DocumentRecord> all = await Catalog.Store.ListDocumentsAsync(ct);
        return (all.Where(d => KnowledgeAccess.CanRead(caller, d.Collection, d.Owner, d.AreaId)).ToList(),
                _inProgress.Values.Where(p => p.Owner == caller.Subject).ToList());
    }

    public async Task<DocumentRecord> GetAsync(Caller caller, string id, CancellationToken ct)
    {
        DocumentRecord? doc = await Catalog.Store.GetDocumentAsync(id, ct);
        return doc is not null && KnowledgeAccess.CanRead(caller, doc.Collection, doc.Owner, doc.AreaId)
            ? doc
            : throw new KnowledgeException(404, "document_not_found", $"no document {id} that you can read");
    }

    /// <summary>Removes a document the caller owns, with its chunks and its original.</summary>
    public async Task DeleteAsync(Caller caller, string id, CancellationToken ct)
    {
        DocumentRecord doc = await GetAsync(caller, id, ct);
        if (doc.Owner != caller.Subject)
        {
            throw new KnowledgeException(403, "not_the_owner", $"document {id} belongs to {doc.Owner}; only its owner may delete it");
        }

        if (!await Catalog.Store.DeleteDocumentAsync(id, ct))
        {
            // A concurrent delete of the same document won: it removed the chunks and the original and counted it.
            throw new KnowledgeException(404, "document_not_found", $"no document {id} that you can read");
        }

        if (Catalog.Find(doc.Collection) is { } c)
        {
            c.Index.Delete(c.Index.Where(p => p.DocId == id).Select(p => p.Id).ToList());
        }

        File.Delete(Path.Combine(OriginalsDir, doc.OriginalPath));
        Interlocked.Decrement(ref _documentCount);
        LogDeleted(id, caller.Subject);
    }

    /// <summary>The best passages for a question among what the caller may read (hybrid retrieval), ready to answer.</summary>
    public QueryResult Query(Caller caller, string question, string? collection, string? areaId, int topK, CancellationToken ct)
    {
        var started = Stopwatch.StartNew();
        if (string.IsNullOrWhiteSpace(question))
        {
            throw new KnowledgeException(400, "bad_request", "query: (empty) — expected a question");
        }

        if (question.Length > 4096)
        {
            throw new KnowledgeException(400, "bad_request", $"query: {question.Length} characters — expected at most 4096");
        }

        if (topK is < 1 or > 100)
        {
            throw new KnowledgeException(400, "bad_request", $"top_k: {topK} — expected 1..100");
        }

        if (areaId is not null && !caller.IsMemberOf(areaId))
        {
            throw new KnowledgeException(403, "not_a_member", $"you are not a member of area {areaId}");
        }

        List<(CollectionRecord Record, CollectionIndex Index)> collections = collection is null
            ? Catalog.All().Where(c => c.Record.Managed).ToList()
            : Catalog.Find(collection) is { } one && one.Record.Managed ? [one]
            : throw new KnowledgeException(404, "collection_not_found", $"no document collection {collection}");
        var targets = collections.Select(c =>
        {
            Func<Point, bool> visible = KnowledgeAccess.Filter(caller, c.Record.Name);
            return new SearchTarget(c.Index, areaId is null ? visible : p => p.AreaId == areaId && visible(p));
        }).ToList();
        float[] vector = Embedder.EmbedQuery(question, ct);
        var retriever = new HybridRetriever(Catalog.Settings);
        List<ScoredPoint> hits = retriever.Search(targets, question, vector, topK, SearchMode.Hybrid);
        metrics.Queries.Add(1);
        metrics.QuerySeconds.Record(started.Elapsed.TotalSeconds);
        return new QueryResult(hits.Select(h => ToSource(h)).ToList(), Answerer, question);
    }

    public IReadOnlyList<string> Terms(string text) => Catalog.Find(KnowledgeAccess.General)?.Index.Lexical.Terms(text) ?? [];

    private static Source ToSource(ScoredPoint h)
    {
        JsonObject p = h.Point.Payload;
        return new Source(h.Point.DocId ?? "", h.Point.Id, h.Score, h.Point.Text ?? "", (string?)p["collection"] ?? "", (string?)p["file_name"], (int?)p["page"], (string?)p["heading"]);
    }

    private StoredPoint ChunkPoint(DocumentRecord doc, Chunk chunk, float[] vector)
    {
        string id = Guid.CreateVersion7().ToString();
        var payload = new JsonObject
        {
            ["doc_id"] = doc.Id,
            ["chunk_id"] = id,
            ["ordinal"] = chunk.Ordinal,
            ["text"] = chunk.Text,
            ["collection"] = doc.Collection,
            ["owner"] = doc.Owner,
            ["area_id"] = doc.AreaId,
            ["file_name"] = doc.FileName,
            ["page"] = chunk.Page,
            ["heading"] = chunk.Heading,
            ["offset"] = chunk.Offset,
            ["model"] = Embedder.ModelName,
            ["model_version"] = Embedder.ModelVersion,
        };
        return new StoredPoint(id, vector, payload.ToJsonString(), chunk.Text, doc.Owner, doc.AreaId, doc.Id, Embedder.ModelName, Embedder.ModelVersion);
    }

    private static async Task WriteDurablyAsync(string path, byte[] content, CancellationToken ct)
    {
        string temp = path + ".part";
        await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, FileOptions.WriteThrough))
        {
            await file.WriteAsync(content, ct);
            file.Flush(true);
        }

        File.Move(temp, path);
    }

    private static void CheckName(string field, string value)
    {
        if (!NamePattern().IsMatch(value))
        {
            throw new KnowledgeException(400, "bad_request", $"{field}: {(value.Length > 80 ? value[..80] + "…" : value)} — expected 1..64 letters, digits, '_' or '-'");
        }
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex NamePattern();

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "knowledge service open: {Store}, {Documents} documents, {Points} points, model {Model} {ModelVersion}")]
    private partial void LogStarted(string store, int documents, long points, string model, string modelVersion);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "ingested {DocId} ({FileName}) into {Collection} for {Owner}: {Chunks} chunks in {ElapsedMs:F0} ms")]
    private partial void LogIngested(string docId, string fileName, string collection, string owner, int chunks, double elapsedMs);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "rejected upload {FileName}: {Code}: {Reason}")]
    private partial void LogRejected(string fileName, string code, string reason);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "deleted document {DocId} for {Owner}")]
    private partial void LogDeleted(string docId, string owner);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "removed original {File}: its upload never committed")]
    private partial void LogOrphanRemoved(string file);
}
