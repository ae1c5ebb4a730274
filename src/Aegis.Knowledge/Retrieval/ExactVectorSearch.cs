using System.Numerics.Tensors;

namespace Aegis.Knowledge.Retrieval;

/// <summary>
/// Brute-force top-k by dot product over a flat float array (TensorPrimitives.Dot is SIMD). On the 2-core machine
/// this scans 20,000 × 384 floats in a few milliseconds (bench/README.md), which is why exact search stays the
/// default until a collection is large; it is also the ground truth the ANN index is measured against.
/// </summary>
public static class ExactVectorSearch
{
    /// <summary>Best <paramref name="k"/> ordinals among those <paramref name="allowed"/> accepts, best first.</summary>
    public static List<(int Ordinal, float Score)> TopK(ReadOnlySpan<float> vectors, int dimensions, int count, ReadOnlySpan<float> query, int k, Func<int, bool>? allowed)
    {
        if (query.Length != dimensions)
        {
            throw new ArgumentException($"query has {query.Length} dimensions, the collection {dimensions}", nameof(query));
        }

        var heap = new PriorityQueue<int, float>(k + 1);
        for (int i = 0; i < count; i++)
        {
            if (allowed is not null && !allowed(i))
            {
                continue;
            }

            float s = TensorPrimitives.Dot(vectors.Slice(i * dimensions, dimensions), query);
            if (heap.Count < k)
            {
                heap.Enqueue(i, s);
            }
            else if (heap.TryPeek(out _, out float worst) && s > worst)
            {
                heap.DequeueEnqueue(i, s);
            }
        }

        var result = new List<(int, float)>(heap.Count);
        while (heap.TryDequeue(out int ord, out float score))
        {
            result.Add((ord, score));
        }

        result.Reverse();
        return result;
    }

    public static void Normalize(Span<float> v)
    {
        float norm = TensorPrimitives.Norm(v);
        if (norm > 0 && float.IsFinite(norm))
        {
            TensorPrimitives.Divide(v, norm, v);
        }
    }
}
