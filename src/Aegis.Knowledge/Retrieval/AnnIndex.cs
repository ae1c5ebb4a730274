using Cloud.Unum.USearch;

namespace Aegis.Knowledge.Retrieval;

/// <summary>
/// HNSW graph (USearch) over a collection's vectors, keyed by ordinal. Used once a collection holds at least
/// <c>retrieval.ann_min_points</c> vectors; results are re-scored exactly by the caller. Its recall@10 against
/// <see cref="ExactVectorSearch"/> is measured in bench/ann-recall (bench/README.md) and asserted in the tests.
/// </summary>
public sealed class AnnIndex : IDisposable
{
    private readonly USearchIndex _index;

    public AnnIndex(int dimensions, Distance distance, AnnSettings settings)
    {
        Settings = settings;
        _index = new USearchIndex(new IndexOptions(
            distance == Distance.Cosine ? MetricKind.Cos : MetricKind.Ip,
            IntPtr.Zero,
            ScalarKind.Float32,
            (ulong)dimensions,
            (ulong)settings.Connectivity,
            (ulong)settings.ExpansionAdd,
            (ulong)settings.ExpansionSearch,
            false));
    }

    public AnnSettings Settings { get; }

    public int Count => (int)_index.Size();

    public void Add(int ordinal, float[] vector) => _index.Add((ulong)ordinal, vector);

    public void Remove(int ordinal) => _index.Remove((ulong)ordinal);

    /// <summary>Up to <paramref name="k"/> nearest ordinals (approximate), nearest first.</summary>
    public int[] Search(float[] query, int k)
    {
        int found = _index.Search(query, k, out ulong[] keys, out float[] _);
        var result = new int[found];
        for (int i = 0; i < found; i++)
        {
            result[i] = checked((int)keys[i]);
        }

        return result;
    }

    public void Dispose() => _index.Dispose();
}

/// <summary>HNSW parameters: graph degree and the candidate-list sizes while adding and searching.</summary>
public sealed record AnnSettings(int Connectivity = 16, int ExpansionAdd = 128, int ExpansionSearch = 128);
