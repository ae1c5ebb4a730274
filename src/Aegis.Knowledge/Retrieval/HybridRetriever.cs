namespace Aegis.Knowledge.Retrieval;

/// <summary>
/// Ranks points across one or more collections: BM25 and dense candidates (each merged across collections by its own
/// score, which is comparable within one modality) fused by reciprocal rank. A score threshold, if given, drops dense
/// hits below it (the original service's behaviour, kept for comparison).
/// </summary>
public sealed class HybridRetriever(RetrievalSettings settings)
{
    public RetrievalSettings Settings { get; } = settings;

    public List<ScoredPoint> Search(IReadOnlyList<SearchTarget> targets, string text, float[]? vector, int limit, SearchMode mode, float? scoreThreshold = null)
    {
        int candidates = Math.Max(limit, Settings.Candidates);
        List<ScoredPoint> lexical = mode == SearchMode.Dense ? [] : Merge(targets.Select(t => t.Collection.LexicalSearch(text, candidates, t.Filter)), candidates);
        List<ScoredPoint> dense = mode == SearchMode.Bm25 || vector is null ? [] : Merge(targets.Select(t => t.Collection.DenseSearch(vector, candidates, t.Filter)), candidates);
        if (scoreThreshold is { } min)
        {
            dense = dense.Where(h => h.Score >= min).ToList();
        }

        return mode switch
        {
            SearchMode.Bm25 => lexical.Take(limit).ToList(),
            SearchMode.Dense => dense.Take(limit).ToList(),
            _ => ReciprocalRankFusion.Fuse([lexical, dense], Settings.RrfK, limit),
        };
    }

    private static List<ScoredPoint> Merge(IEnumerable<List<ScoredPoint>> lists, int limit) =>
        lists.SelectMany(l => l).OrderByDescending(h => h.Score).Take(limit).ToList();
}
