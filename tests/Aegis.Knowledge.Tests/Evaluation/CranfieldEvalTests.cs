using Aegis.Knowledge.Evaluation;
using Aegis.Knowledge.Retrieval;
using Aegis.Knowledge.Tests.Support;

namespace Aegis.Knowledge.Tests.Evaluation;

/// <summary>
/// The eval pipeline on a CI-sized slice of Cranfield (read in place from ../shared/data/cranfield): the first 25
/// development queries over the documents judged for them plus the first 150 documents as distractors. The full
/// table (1,400 documents, tune/holdout split) is bench/retrieval.sh's job.
/// </summary>
[Collection(ModelCollection.Name)]
public sealed class CranfieldEvalTests(ModelFixture model)
{
    [Fact]
    public void Hybrid_retrieval_beats_bm25_and_dense_alone_on_a_cranfield_slice()
    {
        string dir = RepositoryPaths.Cranfield;
        if (!File.Exists(Path.Combine(dir, "cran.all.1400")))
        {
            Assert.False(RepositoryPaths.IsCi, $"CI=true but {dir} is missing");
            return; // locally without the shared data: nothing to evaluate
        }

        TestCollection full = SmartCollection.Load(Path.Combine(dir, "cran.all.1400"), Path.Combine(dir, "queries.dev.txt"), Path.Combine(dir, "qrels.dev.txt"));
        var queries = full.Queries.Take(25).ToList();
        var judged = queries.SelectMany(q => full.Judgements[q.Id].Keys).ToHashSet(StringComparer.Ordinal);
        var docs = full.Documents.Where((d, i) => i < 150 || judged.Contains(d.Id)).ToList();
        var slice = new TestCollection(docs, queries, full.Judgements);

        // dense and hybrid embed the same chunks: the eval's cache embeds them once.
        using var cacheDir = new TempDirectory();
        var embedder = new Knowledge.Embeddings.CachingEmbedder(model.Embedder, Path.Combine(cacheDir.Path, "vectors.bin"));
        var runner = new EvalRunner(embedder, model.Embedder, 256, 32, new RetrievalSettings());
        RankingMetrics bm25 = runner.Run(slice, EvalRecipe.Parse("bm25")!, _ => true, CancellationToken.None).Metrics;
        RankingMetrics dense = runner.Run(slice, EvalRecipe.Parse("dense")!, _ => true, CancellationToken.None).Metrics;
        RankingMetrics hybrid = runner.Run(slice, EvalRecipe.Parse("hybrid")!, _ => true, CancellationToken.None).Metrics;
        string table = $"{docs.Count} docs, {queries.Count} queries: bm25 {bm25.NdcgAt10:F4} dense {dense.NdcgAt10:F4} hybrid {hybrid.NdcgAt10:F4} (nDCG@10)";
        Assert.Equal(25, hybrid.Queries);
        Assert.InRange(bm25.NdcgAt10, 0.2, 1.0);
        Assert.InRange(dense.NdcgAt10, 0.2, 1.0);
        Assert.True(hybrid.NdcgAt10 > Math.Max(bm25.NdcgAt10, dense.NdcgAt10), table);
        Assert.True(hybrid.RecallAt100 >= Math.Max(bm25.RecallAt100, dense.RecallAt100) - 0.02, table);
    }
}
