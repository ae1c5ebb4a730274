using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Aegis.Knowledge.Access;
using Aegis.Knowledge.Chunking;
using Aegis.Knowledge.Embeddings;
using Aegis.Knowledge.Evaluation;
using Aegis.Knowledge.Ingestion;
using Aegis.Knowledge.Retrieval;

// bench/retrieval.sh runs this; every figure it prints goes into bench/README.md with the command.
//   ann-recall N DIMS QUERIES            HNSW (USearch) recall@10 against exact search on N synthetic vectors
//   query-latency CORPUS QUERIES CACHE N  p50/p95 of a question (embed + BM25 + dense + RRF, access-filtered) over N chunks
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
return args.FirstOrDefault() switch
{
    "ann-recall" when args.Length == 4 => AnnRecall(int.Parse(args[1], CultureInfo.InvariantCulture), int.Parse(args[2], CultureInfo.InvariantCulture), int.Parse(args[3], CultureInfo.InvariantCulture)),
    "query-latency" when args.Length == 5 => QueryLatency(args[1], args[2], args[3], int.Parse(args[4], CultureInfo.InvariantCulture)),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: ann-recall N DIMS QUERIES | query-latency CORPUS QUERIES EMBEDDING_CACHE CHUNKS");
    return 2;
}

// Synthetic vectors: 1,000 Gaussian clusters with spread 0.6 around unit-variance centres. Real embeddings are
// clustered like this; a uniform cloud would be the worst case for any graph index and unlike any corpus.
static float[][] Clustered(int count, int dims, Random rng)
{
    float[][] centres = Enumerable.Range(0, 1000).Select(_ => Enumerable.Range(0, dims).Select(_ => (float)Gauss(rng)).ToArray()).ToArray();
    return Enumerable.Range(0, count).Select(i => centres[rng.Next(centres.Length)].Select(c => c + (0.6f * (float)Gauss(rng))).ToArray()).ToArray();
}

static double Gauss(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

static int AnnRecall(int n, int dims, int queries)
{
    var rng = new Random(42);
    float[][] vectors = Clustered(n, dims, rng);
    List<Point> points = vectors.Select((v, i) => new Point(i.ToString(CultureInfo.InvariantCulture), v, [], null, null, null)).ToList();
    var settings = new RetrievalSettings { AnnMinPoints = 1 };
    var watch = Stopwatch.StartNew();
    using var exact = new CollectionIndex("exact", dims, Distance.Cosine, settings with { AnnMinPoints = int.MaxValue });
    exact.Upsert(points);
    double exactLoad = watch.Elapsed.TotalSeconds;
    watch.Restart();
    using var ann = new CollectionIndex("ann", dims, Distance.Cosine, settings);
    ann.Upsert(points);
    double annBuild = watch.Elapsed.TotalSeconds;
    float[][] qs = Enumerable.Range(0, queries).Select(_ => vectors[rng.Next(n)].Select(x => x + (0.3f * (float)Gauss(rng))).ToArray()).ToArray();
    var exactMs = new List<double>();
    var annMs = new List<double>();
    double recall = 0;
    foreach (float[] q in qs)
    {
        watch.Restart();
        var truth = exact.DenseSearch(q, 10, null).Select(h => h.Point.Id).ToHashSet();
        exactMs.Add(watch.Elapsed.TotalMilliseconds);
        watch.Restart();
        List<ScoredPoint> got = ann.DenseSearch(q, 10, null);
        annMs.Add(watch.Elapsed.TotalMilliseconds);
        recall += got.Count(h => truth.Contains(h.Point.Id)) / 10.0;
    }

    Console.WriteLine($"ann-recall: {n} vectors x {dims} dims (synthetic, clustered), {queries} queries; HNSW M={settings.Ann.Connectivity} ef_add={settings.Ann.ExpansionAdd} ef_search={settings.Ann.ExpansionSearch}");
    Console.WriteLine($"recall@10 {recall / queries:F4}  build {annBuild:F1} s (exact load {exactLoad:F1} s)  exact p50 {P(exactMs, 50):F2} ms p95 {P(exactMs, 95):F2} ms  ann p50 {P(annMs, 50):F2} ms p95 {P(annMs, 95):F2} ms");
    return 0;
}

static int QueryLatency(string corpus, string queriesPath, string cache, int target)
{
    TestCollection collection = SmartCollection.Load(corpus, queriesPath, queriesPath.Replace("queries", "qrels", StringComparison.Ordinal));
    using var arctic = new ArcticEmbedder();
    var embedder = new CachingEmbedder(arctic, cache);
    var chunker = new TokenChunker(arctic, 256, 32);
    var texts = new List<(string Doc, string Text)>();
    foreach ((string id, string text) in collection.Documents)
    {
        texts.AddRange(chunker.Split([new DocumentSection(TextExtractor.Normalize(text), null, null)]).Select(c => (id, c.Text)));
    }

    float[][] vectors = embedder.EmbedPassages(texts.Select(t => t.Text).ToList(), CancellationToken.None);

    // Real Cranfield chunks and their real vectors, copied until the collection holds `target` chunks; each copy's
    // vector gets a little noise. All are in general_knowledge, so the access filter admits every chunk and both
    // rankings score all of them.
    var rng = new Random(7);
    var points = new List<Point>(target);
    for (int i = 0; points.Count < target; i++)
    {
        int k = i % texts.Count;
        int copy = i / texts.Count;
        float[] v = copy == 0 ? vectors[k] : vectors[k].Select(x => x + (0.01f * (float)Gauss(rng))).ToArray();
        points.Add(new Point(Guid.NewGuid().ToString(), v, new JsonObject { ["doc_id"] = $"{texts[k].Doc}-{copy}" }, texts[k].Text, $"user{copy}", null));
    }

    var settings = new RetrievalSettings();
    using var index = new CollectionIndex(KnowledgeAccess.General, arctic.Dimensions, Distance.Cosine, settings);
    var watch = Stopwatch.StartNew();
    index.Upsert(points);
    double indexSeconds = watch.Elapsed.TotalSeconds;
    var retriever = new HybridRetriever(settings);
    var caller = new Caller("user0", new HashSet<string>());
    var latencies = new List<double>();
    var cpu = new List<double>();
    using Process self = Process.GetCurrentProcess();
    foreach (int round in new[] { 0, 1, 2 })
    {
        foreach ((string _, string q) in collection.Queries)
        {
            self.Refresh();
            TimeSpan cpuBefore = self.TotalProcessorTime;
            watch.Restart();
            float[] qv = arctic.EmbedQuery(q, CancellationToken.None);
            List<ScoredPoint> hits = retriever.Search([new SearchTarget(index, KnowledgeAccess.Filter(caller, KnowledgeAccess.General))], q, qv, 5, SearchMode.Hybrid);
            if (round > 0)
            {
                latencies.Add(watch.Elapsed.TotalMilliseconds);
                self.Refresh();
                cpu.Add((self.TotalProcessorTime - cpuBefore).TotalMilliseconds);
            }

            if (hits.Count == 0)
            {
                throw new InvalidOperationException($"query '{q}': no hits");
            }
        }
    }

    Console.WriteLine($"query-latency: {points.Count} chunks indexed in {indexSeconds:F1} s (BM25 + vectors, exact search: ANN starts at {settings.AnnMinPoints}), {latencies.Count} questions (2 rounds of {collection.Queries.Count}, after a warm-up round)");
    Console.WriteLine($"p50 {P(latencies, 50):F1} ms  p95 {P(latencies, 95):F1} ms  p99 {P(latencies, 99):F1} ms  (query embedding + BM25 + dense + RRF, access filter over all chunks)");

    // CPU time of the whole process per question (all threads, ONNX's included): what a question costs whatever else
    // the machine runs, so a loaded benchmark machine can still tell whether the wall-clock target holds when idle.
    Console.WriteLine($"cpu per question: p50 {P(cpu, 50):F1} ms  p95 {P(cpu, 95):F1} ms  (load {File.ReadAllText("/proc/loadavg").Split(' ')[0]})");
    return 0;
}

static double P(List<double> values, int percentile)
{
    List<double> sorted = values.Order().ToList();
    return sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(percentile / 100.0 * sorted.Count) - 1)];
}
