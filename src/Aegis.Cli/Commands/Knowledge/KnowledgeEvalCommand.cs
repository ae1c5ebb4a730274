using System.CommandLine;
using System.Globalization;
using System.Text;
using Aegis.Knowledge.Embeddings;
using Aegis.Knowledge.Evaluation;
using Aegis.Knowledge.Retrieval;

namespace Aegis.Cli.Commands.Knowledge;

/// <summary>
/// `aegis knowledge eval --corpus FILE --queries FILE --qrels FILE [--mode bm25|dense|hybrid|aiss] [--json] [--run FILE]`:
/// retrieval quality on a SMART-format test collection, indexed in memory with the service's own chunker and indexes.
/// </summary>
public static class KnowledgeEvalCommand
{
    public static Command Create()
    {
        var corpus = new Option<string>("--corpus") { Description = "documents in SMART format (e.g. cran.all.1400)", Required = true };
        var queries = new Option<string>("--queries") { Description = "queries in SMART format (.I n / .W text)", Required = true };
        var qrels = new Option<string>("--qrels") { Description = "judgements: 'query document grade' per line", Required = true };
        var mode = new Option<string>("--mode") { Description = "bm25 | dense | hybrid (ours) | aiss (the original's recipe)", DefaultValueFactory = _ => "hybrid" };
        var json = new Option<bool>("--json") { Description = "print one JSON object as the last line" };
        var run = new Option<string?>("--run") { Description = "also write the ranking in TREC run format (100 documents per query)" };
        var split = new Option<string>("--split") { Description = "which queries: all | tune (odd positions) | holdout (even positions)", DefaultValueFactory = _ => "all" };
        var chunkTokens = new Option<int>("--chunk-tokens") { Description = "chunk size in model tokens (our chunker)", DefaultValueFactory = _ => 256 };
        var overlapTokens = new Option<int>("--chunk-overlap") { Description = "overlap in model tokens (our chunker)", DefaultValueFactory = _ => 32 };
        var cache = new Option<string?>("--embedding-cache") { Description = "file that keeps passage vectors between runs (the service never caches)" };
        var command = new Command("eval", "retrieval quality on a SMART-format test collection: nDCG@10, Recall@10, Recall@100, MRR@10")
        {
            corpus, queries, qrels, mode, json, run, split, chunkTokens, overlapTokens, cache,
        };
        command.SetAction((parse, ct) => Task.FromResult(Run(parse, corpus, queries, qrels, mode, json, run, split, chunkTokens, overlapTokens, cache, ct)));
        return command;
    }

    private static int Run(ParseResult parse, Option<string> corpus, Option<string> queries, Option<string> qrels, Option<string> mode, Option<bool> json, Option<string?> run, Option<string> split, Option<int> chunkTokens, Option<int> overlapTokens, Option<string?> cache, CancellationToken ct)
    {
        var problems = new List<string>();
        foreach (Option<string> file in new[] { corpus, queries, qrels })
        {
            if (!File.Exists(parse.GetValue(file)))
            {
                problems.Add($"{file.Name}: {parse.GetValue(file)} — file not found");
            }
        }

        EvalRecipe? recipe = EvalRecipe.Parse(parse.GetValue(mode)!);
        if (recipe is null)
        {
            problems.Add($"--mode: {parse.GetValue(mode)} — expected bm25, dense, hybrid or aiss");
        }

        string which = parse.GetValue(split)!;
        if (which is not ("all" or "tune" or "holdout"))
        {
            problems.Add($"--split: {which} — expected all, tune or holdout");
        }

        int size = parse.GetValue(chunkTokens), overlap = parse.GetValue(overlapTokens);
        if (size is < 8 or > 512 || overlap < 0 || overlap >= size / 2)
        {
            problems.Add($"--chunk-tokens/--chunk-overlap: {size}/{overlap} — expected 8..512 tokens and an overlap below half of it");
        }

        if (problems.Count > 0)
        {
            return CliErrors.Report("knowledge eval", problems);
        }

        TestCollection collection;
        try
        {
            collection = SmartCollection.Load(parse.GetValue(corpus)!, parse.GetValue(queries)!, parse.GetValue(qrels)!);
        }
        catch (Exception ex) when (ex is FormatException or IOException)
        {
            return CliErrors.Report("knowledge eval", [ex.Message]);
        }

        using var arctic = new ArcticEmbedder();
        IEmbedder embedder = parse.GetValue(cache) is { } cachePath ? new CachingEmbedder(arctic, cachePath) : arctic;
        var runner = new EvalRunner(recipe!.Mode == SearchMode.Bm25 ? null : embedder, arctic, size, overlap, new RetrievalSettings());
        Func<string, bool> include = which switch
        {
            "tune" => id => int.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n % 2 == 1,
            "holdout" => id => int.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n % 2 == 0,
            _ => _ => true,
        };
        EvalResult result = runner.Run(collection, recipe, include, ct);
        if (parse.GetValue(run) is { } runPath)
        {
            var sb = new StringBuilder();
            foreach ((string qid, IReadOnlyList<(string DocId, float Score)> ranking) in result.Runs)
            {
                for (int i = 0; i < ranking.Count; i++)
                {
                    sb.Append(CultureInfo.InvariantCulture, $"{qid} Q0 {ranking[i].DocId} {i + 1} {ranking[i].Score:G6} aegis-{recipe.Name}\n");
                }
            }

            File.WriteAllText(runPath, sb.ToString());
        }

        RankingMetrics m = result.Metrics;
        double chunksPerSecond = result.Chunks / result.IndexTime.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"mode {recipe.Name}: {m.Queries} queries ({which}), {collection.Documents.Count} documents, {result.Chunks} chunks indexed in {result.IndexTime.TotalSeconds:F1} s ({chunksPerSecond:F0} chunks/s), queries in {result.QueryTime.TotalSeconds:F1} s"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ndcg@10 {m.NdcgAt10:F4}  recall@10 {m.RecallAt10:F4}  recall@100 {m.RecallAt100:F4}  mrr@10 {m.MrrAt10:F4}"));
        if (parse.GetValue(json))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{{\"mode\":\"{recipe.Name}\",\"split\":\"{which}\",\"queries\":{m.Queries},\"chunks\":{result.Chunks},\"index_seconds\":{result.IndexTime.TotalSeconds:F3},\"ndcg@10\":{m.NdcgAt10:F4},\"recall@10\":{m.RecallAt10:F4},\"recall@100\":{m.RecallAt100:F4},\"mrr@10\":{m.MrrAt10:F4}}}"));
        }

        return CliApp.Ok;
    }
}
