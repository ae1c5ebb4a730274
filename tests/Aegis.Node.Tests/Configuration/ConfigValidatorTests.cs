using Aegis.Node.Configuration;

namespace Aegis.Node.Tests.Configuration;

public sealed class ConfigValidatorTests
{
    private const string Secret32 = "0123456789abcdef0123456789abcdef";

    /// <summary>One broken setting each, and the exact line it must produce.</summary>
    private static readonly Dictionary<string, (Action<AegisConfig> Break, string Line)> Rules = new()
    {
        ["p2p port range"] = (c => c.P2p.Port = 70000, "p2p.port: 70000 — expected a port 1-65535"),
        ["dashboard peer url with a path"] = (c => c.Dashboard.PeerApiUrls = ["http://127.0.0.1:26611", "http://127.0.0.1:26621/status"], "dashboard.peer_api_urls[1]: http://127.0.0.1:26621/status — expected a node's API base URL such as http://127.0.0.1:26611 (no path, no credentials)"),
        ["dashboard peer url scheme"] = (c => c.Dashboard.PeerApiUrls = ["ftp://127.0.0.1:26611"], "dashboard.peer_api_urls[0]: ftp://127.0.0.1:26611 — expected a node's API base URL such as http://127.0.0.1:26611 (no path, no credentials)"),
        ["api port range"] = (c => c.Api.Port = 0, "api.port: 0 — expected a port 1-65535"),
        ["metrics port range"] = (c => c.Monitoring.MetricsPort = -1, "monitoring.metrics_port: -1 — expected a port 1-65535 (or 0 for no separate metrics listener)"),
        ["api and p2p share a port on overlapping hosts"] = (c => c.Api.Port = 8000, "api.port: 8000 — expected a port other than p2p.port (api.host 127.0.0.1 and p2p.host 0.0.0.0 overlap)"),
        ["metrics and api share a port"] = (c => c.Monitoring.MetricsPort = 8080, "monitoring.metrics_port: 8080 — expected a port other than api.port (metrics listen on the API's host)"),
        ["metrics and p2p share a port"] = (c => c.Monitoring.MetricsPort = 8000, "monitoring.metrics_port: 8000 — expected a port other than p2p.port (metrics on 127.0.0.1 and p2p.host 0.0.0.0 overlap)"),
        ["p2p host"] = (c => c.P2p.Host = "not a host!", "p2p.host: not a host! — expected an IP address or host name"),
        ["api host"] = (c => c.Api.Host = "", "api.host: (empty) — expected an IP address or host name"),
        ["max peers"] = (c => c.P2p.MaxPeers = 0, "p2p.max_peers: 0 — expected 1-1000"),
        ["bootstrap without port"] = (c => c.P2p.BootstrapNodes = ["10.0.0.1:8000", "10.0.0.2"], "p2p.bootstrap_nodes[1]: 10.0.0.2 — expected host:port"),
        ["bootstrap port range"] = (c => c.P2p.BootstrapNodes = ["10.0.0.1:99999"], "p2p.bootstrap_nodes[0]: 10.0.0.1:99999 — expected host:port"),
        ["max body"] = (c => c.Api.MaxBodyBytes = 10, "api.max_body_bytes: 10 — expected 1024-67108864"),
        ["environment"] = (c => c.Node.Environment = "staging", "node.environment: staging — expected development, testing or production"),
        ["environment is exact"] = (c => c.Node.Environment = "Production", "node.environment: Production — expected development, testing or production"),
        ["data dir"] = (c => c.Node.DataDir = " ", "node.data_dir: (blank) — expected a directory for the node's data"),
        ["key file"] = (c => c.Node.KeyFile = "", "node.key_file: (empty) — expected the path of the node's key file"),
        ["genesis file"] = (c => c.GenesisFile = "", "genesis_file: (empty) — expected the path of genesis.json"),
        ["storage type"] = (c => c.Storage.Type = "mysql", "storage.type: mysql — expected sqlite or postgresql"),
        ["postgresql needs a connection string"] = (c => c.Storage.Type = "postgresql", "storage.connection_string: (empty) — expected a connection string when storage.type is postgresql (or set AEGIS_DATABASE_URL)"),
        ["postgresql schema (the engine's own rule)"] = (c => (c.Storage.Type, c.Storage.ConnectionString, c.Storage.Schema) = ("postgresql", "Host=db", "Bad-Schema"), "storage.schema: 'Bad-Schema' is not a plain identifier (lower-case letters, digits and _, at most 63, not starting with a digit)"),
        ["algorithm"] = (c => c.Consensus.Algorithm = "raft", "consensus.algorithm: raft — expected pbft"),
        ["tick"] = (c => c.Consensus.TickMs = 0, "consensus.tick_ms: 0 — expected 1-10000"),
        ["view change at least two ticks"] = (c => c.Consensus.ViewChangeTimeoutMs = 60, "consensus.view_change_timeout_ms: 60 — expected 100-600000 (at least 2 × tick_ms)"),
        ["view change upper bound"] = (c => c.Consensus.ViewChangeTimeoutMs = 600_001, "consensus.view_change_timeout_ms: 600001 — expected 100-600000 (at least 2 × tick_ms)"),
        ["empty blocks"] = (c => c.Consensus.MaxBlockTxs = 0, "consensus.max_block_txs: 0 — expected 1-10000"),
        ["huge blocks"] = (c => c.Consensus.MaxBlockTxs = 10_001, "consensus.max_block_txs: 10001 — expected 1-10000"),
        ["no blocks in flight"] = (c => c.Consensus.MaxBlocksInFlight = 0, "consensus.max_blocks_in_flight: 0 — expected 1-64"),
        ["pipeline depth"] = (c => c.Consensus.PipelineDepth = 0, "consensus.pipeline_depth: 0 — expected 1 to 64"),
        ["checkpoint interval"] = (c => c.Consensus.CheckpointInterval = 0, "consensus.checkpoint_interval: 0 — expected 1 to 100000"),
        ["log level"] = (c => c.Logging.Level = "LOUD", "logging.level: LOUD — expected DEBUG, INFO, WARNING or ERROR"),
        ["log format"] = (c => c.Logging.Format = "xml", "logging.format: xml — expected text or json"),
        ["rate limit"] = (c => c.Security.RateLimitPerMinute = 0, "security.rate_limit_per_minute: 0 — expected a positive number of requests"),
        ["auth without a secret"] = (c => c.Security.Authentication = true, "security.jwt_secret: (empty) — expected at least 32 bytes when authentication is on (or set AEGIS_JWT_SECRET)"),
        ["auth with a short secret"] = (c => (c.Security.Authentication, c.Security.JwtSecret) = (true, "hunter2"), "security.jwt_secret: (redacted) — expected at least 32 bytes when authentication is on (or set AEGIS_JWT_SECRET)"),
        ["auth with a secret and a public key"] = (c => (c.Security.Authentication, c.Security.JwtSecret, c.Security.JwtPublicKeyFile) = (true, Secret32, "/etc/aegis/jwt.pem"), "security.jwt_public_key_file: /etc/aegis/jwt.pem — expected either jwt_secret (HS256) or jwt_public_key_file (RS256/ES256), not both"),
        ["short previous secret"] = (c => (c.Security.JwtSecret, c.Security.JwtPreviousSecret) = (Secret32, "old"), "security.jwt_previous_secret: (redacted) — expected at least 32 bytes (or leave it empty once the rotation is over)"),
        ["tls key without cert"] = (c => c.Api.Tls.KeyFile = "/etc/aegis/tls.key", "api.tls.cert_file: (empty) — expected a PEM certificate next to api.tls.key_file"),
        ["tls version"] = (c => c.Api.Tls.MinVersion = "1.1", "api.tls.min_version: 1.1 — expected \"1.2\" or \"1.3\""),
        ["connections per ip"] = (c => c.Api.MaxConnectionsPerIp = 0, "api.max_connections_per_ip: 0 — expected 1-100000"),
        ["production without auth"] = (c => (c.Node.Environment, c.Api.Host) = ("production", "10.0.0.5"), "security.authentication: false — expected true in production"),
        ["mempool txs"] = (c => c.Mempool.MaxTxs = 0, "mempool.max_txs: 0 — expected a positive number of transactions"),
        ["mempool bytes"] = (c => c.Mempool.MaxBytes = -1, "mempool.max_bytes: -1 — expected a positive number of bytes"),
    };

    public static TheoryData<string> RuleNames => new(Rules.Keys);

    [Fact]
    public void The_defaults_are_valid()
    {
        Assert.Empty(ConfigValidator.Validate(new AegisConfig()));
    }

    [Theory]
    [MemberData(nameof(RuleNames))]
    public void Each_rule_fires_with_its_one_line_message(string rule)
    {
        var config = new AegisConfig();
        Rules[rule].Break(config);

        Assert.Equal([Rules[rule].Line], ConfigValidator.Validate(config));
    }

    [Fact]
    public void Every_broken_rule_is_reported_at_once_one_line_each()
    {
        var config = new AegisConfig();
        string[] independent = ["p2p port range", "max peers", "environment", "storage type", "algorithm", "huge blocks", "log level", "log format", "rate limit", "auth with a short secret", "mempool txs", "max body"];
        foreach (string rule in independent)
        {
            Rules[rule].Break(config);
        }

        IReadOnlyList<string> problems = ConfigValidator.Validate(config);

        Assert.Equal(independent.Select(r => Rules[r].Line).Order(StringComparer.Ordinal), problems.Order(StringComparer.Ordinal));
        Assert.All(problems, p => Assert.DoesNotContain('\n', p));
    }

    [Fact]
    public void Production_with_an_open_api_and_no_auth_is_refused_on_both_counts()
    {
        var config = new AegisConfig();
        config.Node.Environment = "production";
        config.Api.Host = "0.0.0.0";

        Assert.Equal(
            [
                "security.authentication: false — expected true in production",
                "api.host: 0.0.0.0 — expected a specific address in production while authentication is off (an open API on every interface is refused)",
            ],
            ConfigValidator.Validate(config));
    }

    [Fact]
    public void Production_with_authentication_is_fine_on_every_interface()
    {
        var config = new AegisConfig();
        config.Node.Environment = "production";
        config.Api.Host = "0.0.0.0";
        config.Security.Authentication = true;
        config.Security.JwtSecret = Secret32;

        Assert.Empty(ConfigValidator.Validate(config));
    }

    [Theory]
    [InlineData("10.0.0.1", "10.0.0.2", true)]
    [InlineData("127.0.0.1", "10.0.0.2", true)]
    [InlineData("0.0.0.0", "127.0.0.1", false)]
    [InlineData("localhost", "127.0.0.1", false)]
    [InlineData("::", "10.0.0.2", false)]
    public void Ports_may_repeat_only_on_hosts_that_cannot_overlap(string p2pHost, string apiHost, bool valid)
    {
        var config = new AegisConfig();
        config.P2p.Host = p2pHost;
        config.Api.Host = apiHost;
        config.Api.Port = config.P2p.Port;
        config.Monitoring.MetricsPort = 0;

        Assert.Equal(valid, ConfigValidator.Validate(config).Count == 0);
    }

    [Fact]
    public void Metrics_port_zero_turns_the_separate_listener_off_and_is_valid()
    {
        var config = new AegisConfig();
        config.Monitoring.MetricsPort = 0;
        Assert.Empty(ConfigValidator.Validate(config));
    }

    [Theory]
    [InlineData("debug")]
    [InlineData("Warning")]
    [InlineData("ERROR")]
    public void Log_levels_are_case_insensitive(string level)
    {
        var config = new AegisConfig();
        config.Logging.Level = level;
        Assert.Empty(ConfigValidator.Validate(config));
    }

    [Theory]
    [InlineData("node-1.example.org:8000")]
    [InlineData("[::1]:8000")]
    [InlineData("10.0.0.1:1")]
    public void Bootstrap_entries_accept_names_and_bracketed_ipv6(string entry)
    {
        var config = new AegisConfig();
        config.P2p.BootstrapNodes = [entry];
        Assert.Empty(ConfigValidator.Validate(config));
    }

    [Fact]
    public void A_secret_never_appears_in_any_problem()
    {
        var config = new AegisConfig();
        config.Security.Authentication = true;
        config.Security.JwtSecret = "hunter2";
        config.Security.EncryptionKey = "enc-key-hunter2";
        config.Storage.Type = "postgresql";
        config.Storage.ConnectionString = "postgresql://aegis:hunter2@db/aegis";
        config.Storage.Schema = "Bad-Schema";
        config.Node.Environment = "production";

        Assert.All(ConfigValidator.Validate(config), p => Assert.DoesNotContain("hunter2", p, StringComparison.Ordinal));
    }
}
