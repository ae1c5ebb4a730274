using System.Text.Json.Nodes;
using Aegis.Knowledge.Retrieval;

namespace Aegis.Knowledge.Tests.Retrieval;

public class VectorSearchTests
{
    private static float[][] Clustered(int count, int dims, int seed)
    {
        // Gaussian clusters, the shape real embeddings have (a uniform cloud is the worst case for any graph index).
        var rng = new Random(seed);
        float[][] centres = Enumerable.Range(0, 50).Select(_ => Enumerable.Range(0, dims).Select(_ => (float)Gauss(rng)).ToArray()).ToArray();
        return Enumerable.Range(0, count).Select(i => centres[i % centres.Length].Select(c => c + (0.6f * (float)Gauss(rng))).ToArray()).ToArray();
    }

    private static double Gauss(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    private static List<Point> Points(float[][] vectors) =>
        vectors.Select((v, i) => new Point(i.ToString(System.Globalization.CultureInfo.InvariantCulture), v, new JsonObject { ["n"] = i }, null, null, null)).ToList();

    [Fact]
    public void Exact_search_returns_the_true_nearest_in_order()
    {
        float[][] vectors = Clustered(500, 32, 1);
        using var index = new CollectionIndex("c", 32, Distance.Cosine, new RetrievalSettings());
        index.Upsert(Points(vectors));
        float[] q = vectors[7];
        List<ScoredPoint> hits = index.DenseSearch(q, 5, null);
        Assert.Equal("7", hits[0].Point.Id);
        Assert.Equal(1f, hits[0].Score, 4);
        double[] expected = vectors.Select(v => Cosine(v, q)).OrderDescending().Take(5).ToArray();
        Assert.Equal(expected, hits.Select(h => (double)h.Score).ToArray(), new Tolerance(1e-4));
    }

    [Fact]
    public void Filters_apply_inside_the_search_not_after_it()
    {
        float[][] vectors = Clustered(400, 16, 2);
        using var index = new CollectionIndex("c", 16, Distance.Cosine, new RetrievalSettings());
        index.Upsert(Points(vectors));
        List<ScoredPoint> hits = index.DenseSearch(vectors[0], 10, p => (int)p.Payload["n"]! % 7 == 3);
        Assert.Equal(10, hits.Count);
        Assert.All(hits, h => Assert.Equal(3, (int)h.Point.Payload["n"]! % 7));
    }

    [Fact]
    public void Upserting_an_id_again_replaces_the_point_and_deleting_removes_it()
    {
        using var index = new CollectionIndex("c", 2, Distance.Dot, new RetrievalSettings());
        index.Upsert([new Point("1", [1, 0], [], "alpha", null, null)]);
        index.Upsert([new Point("1", [0, 1], [], "beta", null, null)]);
        Assert.Equal(1, index.Count);
        Assert.Equal([0f, 1f], index.Get("1")!.Vector);
        Assert.Empty(index.LexicalSearch("alpha", 5, null));
        Assert.Single(index.LexicalSearch("beta", 5, null));
        Assert.Equal(1, index.Delete(["1", "2"]));
        Assert.Empty(index.DenseSearch([0, 1], 5, null));
    }

    [Fact]
    public void The_hnsw_index_finds_at_least_95_percent_of_the_exact_top_10()
    {
        // CI-sized (5,000 × 64); bench/ann-recall.sh measures 100,000 × 384 against the 0.98 target.
        float[][] vectors = Clustered(5000, 64, 3);
        var settings = new RetrievalSettings { AnnMinPoints = 1000 };
        using var ann = new CollectionIndex("ann", 64, Distance.Cosine, settings);
        using var exact = new CollectionIndex("exact", 64, Distance.Cosine, new RetrievalSettings());
        ann.Upsert(Points(vectors));
        exact.Upsert(Points(vectors));
        Assert.True(ann.UsesAnn);
        Assert.False(exact.UsesAnn);
        var rng = new Random(4);
        double recall = 0;
        const int Queries = 100;
        for (int i = 0; i < Queries; i++)
        {
            float[] q = vectors[rng.Next(vectors.Length)].Select(x => x + (0.3f * (float)Gauss(rng))).ToArray();
            var truth = exact.DenseSearch(q, 10, null).Select(h => h.Point.Id).ToHashSet();
            recall += ann.DenseSearch(q, 10, null).Count(h => truth.Contains(h.Point.Id)) / 10.0;
        }

        Assert.True(recall / Queries >= 0.95, $"recall@10 {recall / Queries:F3}");
    }

    [Fact]
    public void A_selective_filter_on_a_graph_indexed_collection_still_finds_every_match()
    {
        float[][] vectors = Clustered(3000, 32, 5);
        using var index = new CollectionIndex("c", 32, Distance.Cosine, new RetrievalSettings { AnnMinPoints = 100 });
        index.Upsert(Points(vectors));
        // 6 points in 3,000 pass: far fewer than the graph's oversampled candidates would hold.
        List<ScoredPoint> hits = index.DenseSearch(vectors[1], 10, p => (int)p.Payload["n"]! % 500 == 1);
        Assert.Equal(6, hits.Count);
    }

    [Fact]
    public void Reciprocal_rank_fusion_rewards_agreement()
    {
        Point a = new("a", [0], [], null, null, null), b = new("b", [0], [], null, null, null), c = new("c", [0], [], null, null, null);
        List<ScoredPoint> fused = ReciprocalRankFusion.Fuse([[new(a, 9), new(b, 8)], [new(b, 0.9f), new(c, 0.8f)]], 60, 10);
        Assert.Equal(["b", "a", "c"], fused.Select(f => f.Point.Id));
        Assert.Equal((1f / 62) + (1f / 61), fused[0].Score, 6);
    }

    [Fact]
    public void Bm25_ranks_by_stemmed_terms_and_ignores_query_syntax()
    {
        using var index = new CollectionIndex("c", 1, Distance.Dot, new RetrievalSettings());
        index.Upsert([
            new Point("1", [1], [], "Boundary layers separate at high angles of attack.", null, null),
            new Point("2", [1], [], "Heat transfer in hypersonic flow.", null, null),
        ]);
        List<ScoredPoint> hits = index.LexicalSearch("why does a boundary-layer separate?: (AND OR", 5, null);
        Assert.Equal("1", hits[0].Point.Id);
        Assert.Single(hits);
    }

    private static double Cosine(float[] a, float[] b) =>
        System.Numerics.Tensors.TensorPrimitives.CosineSimilarity(a, b);

    private sealed class Tolerance(double eps) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= eps;

        public int GetHashCode(double obj) => 0;
    }
}
