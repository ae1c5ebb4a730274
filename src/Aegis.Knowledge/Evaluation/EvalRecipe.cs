using Aegis.Knowledge.Retrieval;

namespace Aegis.Knowledge.Evaluation;

/// <summary>What `aegis knowledge eval --mode` runs: how documents are chunked and which rankings answer.</summary>
/// <param name="Name">bm25 | dense | hybrid | aiss.</param>
/// <param name="CharacterChunks">null for our token chunker; (size, overlap) for the original's character windows.</param>
/// <param name="ScoreThreshold">dense hits below this cosine are dropped (the original's behaviour).</param>
public sealed record EvalRecipe(string Name, SearchMode Mode, (int Size, int Overlap)? CharacterChunks, float? ScoreThreshold)
{
    /// <summary>
    /// The seed's backend-aiss: 1,000-character chunks with 200 overlap, vector search only, hits under a similarity
    /// threshold dropped. Its threshold is not written in the seed's description; 0.5 is what such services commonly
    /// ship (and lower than arctic-embed-xs's typical relevant-passage cosine, so it mostly trims the tail).
    /// </summary>
    public const float AissThreshold = 0.5f;

    public static EvalRecipe? Parse(string mode) => mode switch
    {
        "bm25" => new EvalRecipe("bm25", SearchMode.Bm25, null, null),
        "dense" => new EvalRecipe("dense", SearchMode.Dense, null, null),
        "hybrid" => new EvalRecipe("hybrid", SearchMode.Hybrid, null, null),
        "aiss" => new EvalRecipe("aiss", SearchMode.Dense, (1000, 200), AissThreshold),
        _ => null,
    };
}
