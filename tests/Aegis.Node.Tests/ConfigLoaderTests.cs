using Aegis.Node.Configuration;

namespace Aegis.Node.Tests;

public sealed class ConfigLoaderTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "aegis-config-" + Guid.NewGuid().ToString("N")[..8]);

    public ConfigLoaderTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private ConfigResult Load(string yaml, Dictionary<string, string?>? env = null)
    {
        string path = Path.Combine(_dir, "config.yaml");
        File.WriteAllText(path, yaml);
        return ConfigLoader.Load(path, env ?? []);
    }

    private const string ContractExample = """
        node:
          id: "node-0"
          environment: development
          data_dir: ./data
          key_file: ./node.key
        genesis_file: ../genesis.json
        p2p:
          host: 0.0.0.0
          port: 8000
          bootstrap_nodes: ["127.0.0.1:8010"]
          max_peers: 50
        consensus:
          algorithm: pbft
          view_change_timeout_ms: 2000
          max_block_txs: 2000
        storage:
          type: sqlite
          connection_string: "${DATABASE_URL}"
        api:
          host: 127.0.0.1
          port: 8080
        monitoring:
          metrics_port: 9090
        security:
          authentication: false
          jwt_secret: "${AEGIS_JWT_SECRET}"
          rate_limit_per_minute: 6000
        logging:
          level: INFO
          format: text
          file: ""
        """;

    [Fact]
    public void The_contract_example_loads_and_relative_paths_resolve_against_the_config_folder()
    {
        ConfigResult r = Load(ContractExample);

        Assert.True(r.Ok, string.Join("\n", r.Problems));
        Assert.Equal(Path.Combine(_dir, "data"), r.Config!.Node.DataDir);
        Assert.Equal(Path.GetFullPath(Path.Combine(_dir, "..", "genesis.json")), r.Config.GenesisFile);
        Assert.Equal(["127.0.0.1:8010"], r.Config.P2p.BootstrapNodes);
        Assert.Equal(2000, r.Config.Consensus.MaxBlockTxs);
    }

    [Fact]
    public void An_empty_file_gives_the_documented_defaults()
    {
        ConfigResult r = Load("");

        Assert.True(r.Ok, string.Join("\n", r.Problems));
        Assert.Equal("sqlite", r.Config!.Storage.Type);
        Assert.Equal(8000, r.Config.P2p.Port);
        Assert.Equal(8080, r.Config.Api.Port);
        Assert.Equal(9090, r.Config.Monitoring.MetricsPort);
        Assert.Equal(6000, r.Config.Security.RateLimitPerMinute);
    }

    [Fact]
    public void Environment_overrides_win_and_variables_expand()
    {
        ConfigResult r = Load(
            "storage:\n  type: postgresql\n  connection_string: \"${DB:-Host=fallback}\"\np2p:\n  port: 8000\nnode:\n  id: \"${WHO}\"\n",
            new() { ["AEGIS_P2P_PORT"] = "9100", ["WHO"] = "alice", ["AEGIS_BOOTSTRAP_NODES"] = "127.0.0.1:1, 127.0.0.1:2", ["AEGIS_LOG_LEVEL"] = "DEBUG" });

        Assert.True(r.Ok, string.Join("\n", r.Problems));
        Assert.Equal(9100, r.Config!.P2p.Port);
        Assert.Equal("alice", r.Config.Node.Id);
        Assert.Equal("Host=fallback", r.Config.Storage.ConnectionString);
        Assert.Equal(["127.0.0.1:1", "127.0.0.1:2"], r.Config.P2p.BootstrapNodes);
        Assert.Equal("DEBUG", r.Config.Logging.Level);

        ConfigResult url = Load("storage:\n  type: postgresql\n", new() { ["DATABASE_URL"] = "postgresql://a@b/c", ["AEGIS_DATABASE_URL"] = "postgresql://x@y/z" });
        Assert.Equal("postgresql://x@y/z", url.Config!.Storage.ConnectionString);
    }

    [Fact]
    public void Unknown_keys_are_named_with_a_suggestion_and_syntax_errors_give_the_line()
    {
        ConfigResult typo = Load("p2p:\n  prot: 8000\n");
        Assert.Contains(typo.Problems, p => p.Contains("unknown key 'prot'", StringComparison.Ordinal) && p.Contains("did you mean 'port'", StringComparison.Ordinal));

        ConfigResult broken = Load("p2p:\n  port: [1, 2\n");
        Assert.Contains(broken.Problems, p => p.Contains("line", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_problem_is_reported_at_once_one_line_each_and_secrets_are_redacted()
    {
        ConfigResult r = Load(
            "node:\n  environment: staging\np2p:\n  port: 70000\napi:\n  port: 8080\nmonitoring:\n  metrics_port: 8080\nstorage:\n  type: postgresql\nconsensus:\n  algorithm: raft\n  max_block_txs: 0\nsecurity:\n  authentication: true\n  jwt_secret: short-secret\nlogging:\n  level: LOUD\n  format: xml\n",
            new() { ["AEGIS_METRICS_PORT"] = "not-a-port" });

        string[] expected = ["node.environment: staging", "p2p.port: 70000", "monitoring.metrics_port", "storage.connection_string", "consensus.algorithm: raft", "consensus.max_block_txs: 0", "security.jwt_secret: (redacted)", "logging.level: LOUD", "logging.format: xml", "AEGIS_METRICS_PORT: not-a-port"];
        foreach (string e in expected)
        {
            Assert.Contains(r.Problems, p => p.Contains(e, StringComparison.Ordinal));
        }

        Assert.DoesNotContain(r.Problems, p => p.Contains("short-secret", StringComparison.Ordinal));
        Assert.All(r.Problems, p => Assert.DoesNotContain('\n', p));
        Assert.False(r.Ok);
    }

    [Fact]
    public void Production_requires_authentication()
    {
        ConfigResult r = Load("node:\n  environment: production\n");
        Assert.Contains(r.Problems, p => p.StartsWith("security.authentication", StringComparison.Ordinal));
    }
}
