using Aegis.Node.Configuration;

namespace Aegis.Node.Tests.Configuration;

public sealed class ConfigYamlErrorTests : TempConfig
{
    [Fact]
    public void An_unknown_key_is_named_by_its_path_with_the_closest_known_key()
    {
        ConfigResult r = Load("p2p:\n  prot: 8000\n");
        Assert.Equal(["p2p.prot: unknown key (did you mean p2p.port?) at line 2, column 3"], r.Problems);
    }

    [Theory]
    [InlineData("consensus:\n  maxBlockTxs: 10\n", "consensus.maxBlockTxs: unknown key (did you mean consensus.max_block_txs?)")]
    [InlineData("node:\n  data-dir: ./d\n", "node.data-dir: unknown key (did you mean node.data_dir?)")]
    [InlineData("node:\n  metrics_port: 9\n", "node.metrics_port: unknown key (did you mean monitoring.metrics_port?)")]
    [InlineData("strorage:\n  type: sqlite\n", "strorage: unknown key (did you mean storage?)")]
    [InlineData("api:\n  zz: 1\n", "api.zz: unknown key at")]
    public void Suggestions_cover_typos_other_spellings_and_misplaced_keys(string yaml, string expectedStart)
    {
        ConfigResult r = Load(yaml);
        Assert.Single(r.Problems);
        Assert.StartsWith(expectedStart, r.Problems[0], StringComparison.Ordinal);
    }

    [Fact]
    public void A_yaml_syntax_error_reports_line_and_column()
    {
        ConfigResult r = Load("p2p:\n  port: 8000\n  bootstrap_nodes: [1, 2\napi:\n  port: 1\n");
        Assert.Single(r.Problems);
        Assert.Equal("config: YAML syntax error after line 3, column 22 — could not parse beyond this point (an unclosed [ or {?)", r.Problems[0]);
    }

    [Fact]
    public void A_bad_indentation_names_its_line()
    {
        ConfigResult r = Load("node:\n  id: a\n environment: x\n");
        Assert.Single(r.Problems);
        Assert.Matches(@"^config: YAML syntax error at line 3, column \d+ — [^(]", r.Problems[0]);
    }

    [Fact]
    public void A_duplicate_key_is_an_error_rather_than_a_silent_last_one_wins()
    {
        ConfigResult r = Load("p2p:\n  port: 8000\n  port: 8001\n");
        Assert.Equal(["config: YAML error at line 3, column 3 — Duplicate key port"], r.Problems);
    }

    [Fact]
    public void Values_of_the_wrong_type_are_named_with_their_line()
    {
        ConfigResult r = Load("""
            p2p:
              port: eighty
              allow_observers: maybe
              bootstrap_nodes: {a: b}
            api: 8080
            consensus:
              tick_ms: [1]
            """);

        Assert.Equal(
            [
                "p2p.port: eighty — expected a whole number at line 2, column 9",
                "p2p.allow_observers: maybe — expected true or false at line 3, column 20",
                "p2p.bootstrap_nodes: a section — expected a list of strings at line 4, column 20",
                "api: a single value — expected a section with keys host, port, max_body_bytes, tls, max_connections_per_ip, max_connections, request_headers_timeout_ms, min_height_wait_ms at line 5, column 6",
                "consensus.tick_ms: a list — expected a whole number at line 7, column 12",
            ],
            r.Problems);
    }

    [Fact]
    public void Every_yaml_problem_and_every_rule_problem_is_reported_in_one_pass()
    {
        ConfigResult r = Load("p2p:\n  prot: 1\n  port: x\nnode:\n  environment: staging\nloging:\n  level: x\n", new() { ["AEGIS_METRICS_PORT"] = "y" });

        Assert.Equal(
            [
                "p2p.prot: unknown key (did you mean p2p.port?) at line 2, column 3",
                "p2p.port: x — expected a whole number at line 3, column 9",
                "loging: unknown key (did you mean logging?) at line 6, column 1",
                "AEGIS_METRICS_PORT: y — expected a whole number for monitoring.metrics_port",
                "node.environment: staging — expected development, testing or production",
            ],
            r.Problems);
    }

    [Theory]
    [InlineData("just a sentence\n", "config: a single value at line 1, column 1 — expected sections of key: value pairs")]
    [InlineData("- a\n- b\n", "config: a list at line 1, column 1 — expected sections of key: value pairs")]
    [InlineData("node: {}\n---\nnode: {}\n", "config: 2 YAML documents — expected one")]
    public void A_file_that_is_not_a_single_mapping_is_refused(string yaml, string expected)
    {
        Assert.Equal([expected], Load(yaml).Problems);
    }

    [Fact]
    public void Pathologically_deep_nesting_is_refused_before_building_a_tree()
    {
        string deep = "node: " + new string('[', 100_000) + new string(']', 100_000) + "\n";
        ConfigResult r = Load(deep);
        Assert.Single(r.Problems);
        Assert.StartsWith("config: nested deeper than 16 levels at line 1", r.Problems[0], StringComparison.Ordinal);
    }
}
