using System.Text.Json;
using Aegis.Kits.Tests.Support;

namespace Aegis.Kits.Tests;

/// <summary>deploy/grafana: the dashboard reads only what a node exports, through the provisioned datasource.</summary>
[Collection(LiveClusterCollection.Name)]
public class GrafanaKitTests(LiveCluster cluster)
{
    private static readonly string Dashboard = Path.Combine(Repo.Deploy, "grafana", "dashboards", "aegis-overview.json");

    [Fact]
    public async Task Every_panel_reads_only_metrics_a_live_node_exports()
    {
        HashSet<string> live = new Exposition(await cluster.MetricsAsync()).Names;
        live.Add("up");
        List<(string Panel, string Expr)> targets = Targets();
        Assert.True(targets.Count >= 20, $"only {targets.Count} queries");
        foreach ((string panel, string expr) in targets)
        {
            IReadOnlySet<string> names = PromQl.MetricNames(expr);
            Assert.NotEmpty(names);
            foreach (string metric in names)
            {
                Assert.True(live.Contains(metric), $"panel '{panel}' reads {metric}, which a node does not export");
            }
        }

        // Every metric of the contract has a panel.
        HashSet<string> shown = [.. targets.SelectMany(t => PromQl.MetricNames(t.Expr)).Select(n => n.Replace("_bucket", "", StringComparison.Ordinal))];
        Assert.Empty(MetricsExpositionTests.ContractMetricNames().Except(shown));
    }

    [ToolFact("promtool")]
    public void Every_panel_query_is_valid_PromQL()
    {
        // promtool parses expressions in rule files: each query becomes a recording rule, Grafana's variables filled in.
        string dir = Repo.TempDir("grafana");
        try
        {
            var rules = new System.Text.StringBuilder("groups:\n  - name: dashboard\n    rules:\n");
            int i = 0;
            foreach ((string _, string expr) in Targets())
            {
                string filled = expr.Replace("$__rate_interval", "1m", StringComparison.Ordinal).Replace("$instance", ".*", StringComparison.Ordinal);
                rules.Append($"      - record: dashboard:query{i++}\n        expr: {JsonSerializer.Serialize(filled)}\n");
            }

            File.WriteAllText(Path.Combine(dir, "dashboard.rules.yml"), rules.ToString());
            Tool.Run("promtool", ["check", "rules", Path.Combine(dir, "dashboard.rules.yml")]).AssertSuccess();
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void The_dashboard_uses_the_provisioned_datasource_and_is_loaded_from_where_compose_mounts_it()
    {
        var datasource = Yaml.Load(Repo.Read("deploy", "grafana", "provisioning", "datasources", "prometheus.yml"))["datasources"].List()[0];
        string uid = datasource.At("uid").Str();
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(Dashboard));
        Assert.Equal("aegis-overview", doc.RootElement.GetProperty("uid").GetString());
        foreach (JsonElement panel in Panels(doc.RootElement).Where(p => p.GetProperty("type").GetString() != "row"))
        {
            Assert.Equal(uid, panel.GetProperty("datasource").GetProperty("uid").GetString());
        }

        string path = Yaml.Load(Repo.Read("deploy", "grafana", "provisioning", "dashboards", "aegis.yml"))["providers"].List()[0].At("options", "path").Str();
        List<string> mounts = [.. Yaml.Load(Repo.Read("deploy", "compose", "docker-compose.yml")).At("services", "grafana", "volumes").List().Select(v => v.Str())];
        Assert.Contains($"../grafana/dashboards:{path}:ro", mounts);
        Assert.Contains("../grafana/provisioning:/etc/grafana/provisioning:ro", mounts);
        Assert.Equal("http://prometheus:9090", datasource.At("url").Str());
    }

    private static List<(string Panel, string Expr)> Targets()
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(Dashboard));
        return [.. Panels(doc.RootElement)
            .Where(p => p.TryGetProperty("targets", out _))
            .SelectMany(p => p.GetProperty("targets").EnumerateArray().Select(t => (p.GetProperty("title").GetString()!, t.GetProperty("expr").GetString()!)))];
    }

    private static IEnumerable<JsonElement> Panels(JsonElement root) =>
        root.GetProperty("panels").EnumerateArray().SelectMany(p => p.TryGetProperty("panels", out JsonElement inner) ? inner.EnumerateArray().Prepend(p) : [p]).ToList();
}
