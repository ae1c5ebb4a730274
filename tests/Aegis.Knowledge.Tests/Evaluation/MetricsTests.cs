using Aegis.Knowledge.Evaluation;
using Aegis.Knowledge.Tests.Support;

namespace Aegis.Knowledge.Tests.Evaluation;

public class MetricsTests
{
    [Fact]
    public void Metrics_match_a_hand_computed_ranking()
    {
        // q1 judged: d1 grade 1 (gain 4), d2 grade 3 (gain 2), d9 grade -1 (artefact: not relevant).
        var qrels = new Dictionary<string, Dictionary<string, int>> { ["1"] = new() { ["d1"] = 1, ["d2"] = 3, ["d9"] = -1 } };
        var runs = new Dictionary<string, IReadOnlyList<string>> { ["1"] = ["d9", "d2", "x", "d1"] };
        RankingMetrics m = RankingMetrics.Compute(runs, qrels);
        double dcg = (2 / Math.Log2(3)) + (4 / Math.Log2(5));
        double ideal = 4 + (2 / Math.Log2(3));
        Assert.Equal(dcg / ideal, m.NdcgAt10, 9);
        Assert.Equal(1.0, m.RecallAt10, 9);
        Assert.Equal(0.5, m.MrrAt10, 9);
        Assert.Equal(1, m.Queries);
    }

    [Fact]
    public void Smart_files_are_read_with_title_and_abstract()
    {
        using var dir = new TempDirectory();
        string docs = Path.Combine(dir.Path, "docs"), queries = Path.Combine(dir.Path, "q"), qrels = Path.Combine(dir.Path, "r");
        File.WriteAllText(docs, ".I 1\n.T\nwing flutter\n.A\nsmith\n.B\nj. ae. 1958\n.W\nflutter of swept wings .\n.I 2\n.T\nheat\n.W\nconduction .\n");
        File.WriteAllText(queries, ".I 1\n.W\nwhat is flutter .\n");
        File.WriteAllText(qrels, "1 1 2\n1 2 -1\n");
        TestCollection c = SmartCollection.Load(docs, queries, qrels);
        Assert.Equal(2, c.Documents.Count);
        Assert.Equal("wing flutter\n\nflutter of swept wings .", c.Documents[0].Text);
        Assert.Equal(("1", "what is flutter ."), c.Queries[0]);
        Assert.Equal(2, c.Judgements["1"]["1"]);
    }

    [Fact]
    public void A_malformed_judgement_line_names_file_and_line()
    {
        using var dir = new TempDirectory();
        string docs = Path.Combine(dir.Path, "docs"), queries = Path.Combine(dir.Path, "q"), qrels = Path.Combine(dir.Path, "r");
        File.WriteAllText(docs, ".I 1\n.W\nx\n");
        File.WriteAllText(queries, ".I 1\n.W\nx\n");
        File.WriteAllText(qrels, "1 1 2\n1 two\n");
        var ex = Assert.Throws<FormatException>(() => SmartCollection.Load(docs, queries, qrels));
        Assert.Contains(":2:", ex.Message, StringComparison.Ordinal);
    }
}
