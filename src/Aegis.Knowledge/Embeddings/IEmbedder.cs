namespace Aegis.Knowledge.Embeddings;

/// <summary>Text → unit-length vectors. Passages and queries are encoded differently by retrieval models, so they are two calls.</summary>
public interface IEmbedder
{
    /// <summary>The model's name, stored with every vector (e.g. <c>snowflake-arctic-embed-xs</c>).</summary>
    string ModelName { get; }

    /// <summary>The model's version, stored with every vector so a model change can find what to re-embed.</summary>
    string ModelVersion { get; }

    int Dimensions { get; }

    float[][] EmbedPassages(IReadOnlyList<string> passages, CancellationToken ct);

    float[] EmbedQuery(string query, CancellationToken ct);
}
