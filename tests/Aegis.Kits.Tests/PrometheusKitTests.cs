using System.Text.RegularExpressions;
using Aegis.Kits.Tests.Support;

namespace Aegis.Kits.Tests;

/// <summary>deploy/prometheus: the scrape config, the alert rules and their unit tests, through promtool.</summary>
[Collection(LiveClusterCollection.Name)]
public partial class PrometheusKitTests(LiveCluster cluster)
{
    private static readonly string Rules = Path.Combine(Repo.Deploy, "prometheus", "rules", "aegis.rules.yml");
    private static readonly string RuleTests = Path.Combine(Repo.Deploy, "prometheus", "tests", "aegis.rules.test.yml");

    [ToolFact("promtool")]
    public void Promtool_accepts_the_scrape_config_and_the_rules()
    {
        Tool.Run("promtool", ["check", "config", Path.Combine(Repo.Deploy, "prometheus", "prometheus.yml")]).AssertSuccess();
        string output = Tool.Run("promtool", ["check", "rules", Rules]).AssertSuccess().Stdout;
        Assert.Contains($"SUCCESS: {AlertNames().Count} rules found", output, StringComparison.Ordinal);
    }

    [ToolFact("promtool")]
    public void Every_alert_passes_its_promtool_unit_tests()
    {
        Tool.Run("promtool", ["test", "rules", RuleTests]).AssertSuccess();

        // The harness can fail: the same tests with one expected label changed do.
        string dir = Repo.TempDir("rules");
        try
        {
            Directory.CreateDirectory(Path.Combine(dir, "rules"));
            Directory.CreateDirectory(Path.Combine(dir, "tests"));
            File.Copy(Rules, Path.Combine(dir, "rules", "aegis.rules.yml"));
            string broken = File.ReadAllText(RuleTests).Replace("instance: \"node2:26602\"}", "instance: \"node7:26602\"}", StringComparison.Ordinal);
            File.WriteAllText(Path.Combine(dir, "tests", "t.yml"), broken);
            Assert.NotEqual(0, Tool.Run("promtool", ["test", "rules", Path.Combine(dir, "tests", "t.yml")]).ExitCode);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Every_alert_has_a_unit_test_in_which_it_fires()
    {
        var fired = new HashSet<string>(StringComparer.Ordinal);
        foreach (object? test in Yaml.Load(File.ReadAllText(RuleTests))["tests"].List())
        {
            foreach (object? check in test.At("alert_rule_test").List())
            {
                if (check.At("exp_alerts") is List<object?> { Count: > 0 })
                {
                    fired.Add(check.At("alertname").Str());
                }
            }
        }

        Assert.Empty(AlertNames().Except(fired));
        string[] seeds = ["AegisNodeDown", "P2PConnectionsLow", "ConsensusFailure", "HighMemoryUsage", "HighCPUUsage"];
        string[] ours = ["AegisHeightNotAdvancing", "ViewChangeStorm", "CommitLatencyHigh", "StorageCommitSlow", "AegisAuthFailures", "AegisStoreCorrupt", "AegisDiskFull", "AegisIntegrityCheckFailed"];
        Assert.Empty(seeds.Concat(ours).Except(AlertNames()));
    }

    [Fact]
    public async Task Every_metric_the_rules_read_is_exported_by_a_live_node()
    {
        HashSet<string> live = new Exposition(await cluster.MetricsAsync()).Names;
        live.Add("up");
        foreach ((string alert, string expr) in Alerts())
        {
            foreach (string metric in PromQl.MetricNames(expr))
            {
                Assert.True(live.Contains(metric), $"{alert} reads {metric}, which a node does not export");
            }
        }
    }

    [Fact]
    public void Every_runbook_section_an_alert_points_to_exists()
    {
        string runbook = Repo.Read("docs", "operations.md");
        HashSet<string> headings = [.. runbook.Split('\n').Where(l => l.StartsWith('#')).Select(l => l.TrimStart('#').Trim())];
        MatchCollection refs = RunbookRef().Matches(File.ReadAllText(Rules));
        Assert.NotEmpty(refs);
        foreach (Match m in refs)
        {
            Assert.True(headings.Contains(m.Groups[1].Value), $"docs/operations.md has no section '{m.Groups[1].Value}'");
        }
    }

    public static IReadOnlyList<(string Alert, string Expr)> Alerts() =>
        [.. Yaml.Load(File.ReadAllText(Rules))["groups"].List()
            .SelectMany(g => g.At("rules").List())
            .Select(r => (r.At("alert").Str(), r.At("expr").Str()))];

    private static HashSet<string> AlertNames() => [.. Alerts().Select(a => a.Alert)];

    [GeneratedRegex(@"docs/operations\.md, '([^']+)'")]
    private static partial Regex RunbookRef();
}
