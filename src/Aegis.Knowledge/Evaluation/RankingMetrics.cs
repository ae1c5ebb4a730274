namespace Aegis.Knowledge.Evaluation;

/// <summary>Averages over the judged queries: nDCG@10 (graded), Recall@10, Recall@100, MRR@10 (binary), as trec_eval computes them.</summary>
public sealed record RankingMetrics(double NdcgAt10, double RecallAt10, double RecallAt100, double MrrAt10, int Queries)
{
    /// <summary>
    /// Cranfield grades are 1 (complete answer) … 4 (minimum interest); -1 is an artefact row. Gains 1→4, 2→3, 3→2,
    /// 4→1 (the collection README's usual mapping); anything else is not relevant.
    /// </summary>
    public static int Gain(int grade) => grade is >= 1 and <= 4 ? 5 - grade : 0;

    public static RankingMetrics Compute(IReadOnlyDictionary<string, IReadOnlyList<string>> runs, IReadOnlyDictionary<string, Dictionary<string, int>> judgements)
    {
        double ndcg = 0, r10 = 0, r100 = 0, mrr = 0;
        int n = 0;
        foreach ((string qid, IReadOnlyList<string> ranking) in runs)
        {
            if (!judgements.TryGetValue(qid, out Dictionary<string, int>? qrels) || !qrels.Values.Any(g => Gain(g) > 0))
            {
                continue;
            }

            n++;
            int relevant = qrels.Values.Count(g => Gain(g) > 0);
            double dcg = 0;
            for (int i = 0; i < Math.Min(10, ranking.Count); i++)
            {
                dcg += Gain(qrels.GetValueOrDefault(ranking[i])) / Math.Log2(i + 2);
            }

            double ideal = qrels.Values.Select(Gain).Where(g => g > 0).OrderDescending().Take(10).Select((g, i) => g / Math.Log2(i + 2)).Sum();
            ndcg += dcg / ideal;
            r10 += ranking.Take(10).Count(d => Gain(qrels.GetValueOrDefault(d)) > 0) / (double)relevant;
            r100 += ranking.Take(100).Count(d => Gain(qrels.GetValueOrDefault(d)) > 0) / (double)relevant;
            int first = ranking.Take(10).ToList().FindIndex(d => Gain(qrels.GetValueOrDefault(d)) > 0);
            mrr += first < 0 ? 0 : 1.0 / (first + 1);
        }

        return n == 0 ? new RankingMetrics(0, 0, 0, 0, 0) : new RankingMetrics(ndcg / n, r10 / n, r100 / n, mrr / n, n);
    }
}
