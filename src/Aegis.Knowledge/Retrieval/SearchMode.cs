namespace Aegis.Knowledge.Retrieval;

/// <summary>Which rankings a search uses: keywords (BM25), vectors, or both fused.</summary>
public enum SearchMode
{
    Hybrid,
    Bm25,
    Dense,
}
