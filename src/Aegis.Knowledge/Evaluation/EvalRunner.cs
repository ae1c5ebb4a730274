using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Aegis.Knowledge.Chunking;
using Aegis.Knowledge.Embeddings;
using Aegis.Knowledge.Ingestion;
using Aegis.Knowledge.Retrieval;

namespace Aegis.Knowledge.Evaluation;

/// <summary>The result of one evaluation run: metrics, the per-query document rankings, and how long it took.</summary>
public sealed record EvalResult(RankingMetrics Metrics, IReadOnlyDictionary<string, IReadOnlyList<(string DocId, float Score)>> Runs, int Chunks, TimeSpan IndexTime, TimeSpan QueryTime);

/// <summary>
/// Indexes a test collection with the production chunker, embedder and indexes (in memory, no server) and ranks
/// documents per query: a document scores as its best chunk, and the first 100 documents are kept.
/// </summary>
public sealed class EvalRunner(IEmbedder? embedder, ITokenCounter tokens, int chunkTokens, int overlapTokens, RetrievalSettings settings)
{
    public const int RunDepth = 100;

    public EvalResult Run(TestCollection collection, EvalRecipe recipe, Func<string, bool> includeQuery, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        var chunker = new TokenChunker(tokens, chunkTokens, overlapTokens);
        var texts = new List<string>();
        var owners = new List<string>();
        foreach ((string id, string text) in collection.Documents)
        {
            DocumentSection[] sections = [new DocumentSection(TextExtractor.Normalize(text), null, null)];
            List<Chunk> chunks = recipe.CharacterChunks is { } c ? CharacterChunker.Split(sections, c.Size, c.Overlap) : chunker.Split(sections);
            foreach (Chunk chunk in chunks)
            {
                texts.Add(chunk.Text);
                owners.Add(id);
            }
        }

        bool dense = recipe.Mode != SearchMode.Bm25;
        if (dense && embedder is null)
        {
            throw new InvalidOperationException($"mode {recipe.Name} needs an embedder");
        }

        float[][] vectors = dense ? embedder!.EmbedPassages(texts, ct) : texts.Select(_ => new float[1]).ToArray();
        using var index = new CollectionIndex("eval", dense ? embedder!.Dimensions : 1, Distance.Cosine, settings);
        var points = new List<Point>(texts.Count);
        for (int i = 0; i < texts.Count; i++)
        {
            points.Add(new Point(i.ToString(CultureInfo.InvariantCulture), vectors[i], new JsonObject { ["doc_id"] = owners[i] }, texts[i], null, null));
        }

        index.Upsert(points);
        TimeSpan indexTime = watch.Elapsed;
        watch.Restart();

        var retriever = new HybridRetriever(settings with { Candidates = Math.Max(settings.Candidates, RunDepth * 3) });
        var runs = new Dictionary<string, IReadOnlyList<(string, float)>>(StringComparer.Ordinal);
        foreach ((string qid, string query) in collection.Queries.Where(q => includeQuery(q.Id)))
        {
            float[]? qv = dense ? embedder!.EmbedQuery(query, ct) : null;
            List<ScoredPoint> hits = retriever.Search([new SearchTarget(index, null)], query, qv, RunDepth * 3, recipe.Mode, recipe.ScoreThreshold);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var ranking = new List<(string, float)>(RunDepth);
            foreach (ScoredPoint hit in hits)
            {
                string doc = hit.Point.DocId!;
                if (seen.Add(doc) && ranking.Count < RunDepth)
                {
                    ranking.Add((doc, hit.Score));
                }
            }

            runs[qid] = ranking;
        }

        var metrics = RankingMetrics.Compute(runs.ToDictionary(r => r.Key, r => (IReadOnlyList<string>)r.Value.Select(x => x.Item1).ToList()), collection.Judgements);
        return new EvalResult(metrics, runs, texts.Count, indexTime, watch.Elapsed);
    }
}
