namespace Aegis.Knowledge.Retrieval;

/// <summary>
/// Reciprocal rank fusion: score(p) = Σ over rankings of 1 / (k + rank). It needs no score calibration between BM25
/// (unbounded) and cosine (−1..1), which is why it is the usual hybrid fusion; ties keep first-seen order.
/// </summary>
public static class ReciprocalRankFusion
{
    public static List<ScoredPoint> Fuse(IReadOnlyList<IReadOnlyList<ScoredPoint>> rankings, int k, int limit)
    {
        var scores = new Dictionary<Point, float>(ReferenceEqualityComparer.Instance);
        var order = new List<Point>();
        foreach (IReadOnlyList<ScoredPoint> ranking in rankings)
        {
            for (int rank = 0; rank < ranking.Count; rank++)
            {
                Point p = ranking[rank].Point;
                float add = 1f / (k + rank + 1);
                if (scores.TryGetValue(p, out float s))
                {
                    scores[p] = s + add;
                }
                else
                {
                    scores[p] = add;
                    order.Add(p);
                }
            }
        }

        return order.Select((p, i) => (p, i)).OrderByDescending(x => scores[x.p]).ThenBy(x => x.i).Take(limit).Select(x => new ScoredPoint(x.p, scores[x.p])).ToList();
    }
}
