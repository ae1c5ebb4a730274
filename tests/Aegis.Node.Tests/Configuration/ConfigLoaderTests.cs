using Aegis.Node.Configuration;

namespace Aegis.Node.Tests.Configuration;

public sealed class ConfigLoaderTests : TempConfig
{
    [Fact]
    public void The_contract_example_loads_as_written()
    {
        ConfigResult r = Load(ContractExample.Yaml);

        Assert.True(r.Ok, Lines(r));
        AegisConfig c = r.Config!;
        Assert.Equal("node-0", c.Node.Id);
        Assert.Equal("development", c.Node.Environment);
        Assert.Equal("0.0.0.0", c.P2p.Host);
        Assert.Equal(8000, c.P2p.Port);
        Assert.Equal(["127.0.0.1:8010"], c.P2p.BootstrapNodes);
        Assert.Equal(50, c.P2p.MaxPeers);
        Assert.Equal("pbft", c.Consensus.Algorithm);
        Assert.Equal(2000, c.Consensus.ViewChangeTimeoutMs);
        Assert.Equal(2000, c.Consensus.MaxBlockTxs);
        Assert.Equal("sqlite", c.Storage.Type);
        Assert.Equal("", c.Storage.ConnectionString);
        Assert.Equal("127.0.0.1", c.Api.Host);
        Assert.Equal(8080, c.Api.Port);
        Assert.Equal(9090, c.Monitoring.MetricsPort);
        Assert.False(c.Security.Authentication);
        Assert.Equal("", c.Security.JwtSecret);
        Assert.Equal(6000, c.Security.RateLimitPerMinute);
        Assert.Equal("INFO", c.Logging.Level);
        Assert.Equal("text", c.Logging.Format);
        Assert.Equal("", c.Logging.File);
    }

    [Fact]
    public void An_empty_file_gives_every_documented_default()
    {
        ConfigResult r = Load("# nothing set\n");

        Assert.True(r.Ok, Lines(r));
        AegisConfig c = r.Config!;
        Assert.Equal("", c.Node.Id);
        Assert.Equal("development", c.Node.Environment);
        Assert.Equal(Path.Combine(Dir, "data"), c.Node.DataDir);
        Assert.Equal(Path.Combine(Dir, "node.key"), c.Node.KeyFile);
        Assert.Equal(Path.GetFullPath(Path.Combine(Dir, "..", "genesis.json")), c.GenesisFile);
        Assert.Equal("0.0.0.0", c.P2p.Host);
        Assert.Equal(8000, c.P2p.Port);
        Assert.Empty(c.P2p.BootstrapNodes);
        Assert.Equal(50, c.P2p.MaxPeers);
        Assert.Null(c.P2p.AllowObservers);
        Assert.True(c.ObserversAllowed());
        Assert.Equal("pbft", c.Consensus.Algorithm);
        Assert.Equal(2000, c.Consensus.ViewChangeTimeoutMs);
        Assert.Equal(2000, c.Consensus.MaxBlockTxs);
        Assert.Equal(50, c.Consensus.TickMs);
        Assert.Null(c.Consensus.PipelineDepth);
        Assert.Null(c.Consensus.CheckpointInterval);
        Assert.Equal("sqlite", c.Storage.Type);
        Assert.Equal("", c.Storage.ConnectionString);
        Assert.Equal("127.0.0.1", c.Api.Host);
        Assert.Equal(8080, c.Api.Port);
        Assert.Equal(1024 * 1024, c.Api.MaxBodyBytes);
        Assert.Equal(9090, c.Monitoring.MetricsPort);
        Assert.False(c.Security.Authentication);
        Assert.Equal("", c.Security.JwtSecret);
        Assert.Equal("", c.Security.JwtPublicKeyFile);
        Assert.Equal("", c.Security.EncryptionKey);
        Assert.Equal(6000, c.Security.RateLimitPerMinute);
        Assert.Equal("INFO", c.Logging.Level);
        Assert.Equal("text", c.Logging.Format);
        Assert.Equal("", c.Logging.File);
        Assert.Equal(100_000, c.Mempool.MaxTxs);
        Assert.Equal(64L * 1024 * 1024, c.Mempool.MaxBytes);
    }

    [Fact]
    public void A_truly_empty_file_and_empty_sections_also_give_the_defaults()
    {
        Assert.True(Load("").Ok);
        ConfigResult r = Load("api:\np2p:\n  bootstrap_nodes:\n");
        Assert.True(r.Ok, Lines(r));
        Assert.Equal(8080, r.Config!.Api.Port);
        Assert.Empty(r.Config.P2p.BootstrapNodes);
    }

    [Fact]
    public void Relative_paths_resolve_against_the_config_folder_not_the_working_directory()
    {
        string absolute = Path.Combine(Path.GetTempPath(), "elsewhere", "node.key");
        ConfigResult r = Load($"""
            node:
              data_dir: state/chain
              key_file: {absolute}
            genesis_file: ../shared/genesis.json
            logging:
              file: logs/node.log
            """);

        Assert.True(r.Ok, Lines(r));
        Assert.NotEqual(Dir, Directory.GetCurrentDirectory());
        Assert.Equal(Dir, r.ConfigDirectory);
        Assert.Equal(Path.Combine(Dir, "state", "chain"), r.Config!.Node.DataDir);
        Assert.Equal(absolute, r.Config.Node.KeyFile);
        Assert.Equal(Path.GetFullPath(Path.Combine(Dir, "..", "shared", "genesis.json")), r.Config.GenesisFile);
        Assert.Equal(Path.Combine(Dir, "logs", "node.log"), r.Config.Logging.File);
        Assert.Equal("", r.Config.Security.JwtPublicKeyFile);
    }

    [Fact]
    public void Observers_are_off_by_default_in_production_unless_allowed_and_the_p2p_limits_reach_the_network()
    {
        ConfigResult production = Load("node:\n  environment: production\nsecurity:\n  authentication: true\n  jwt_secret: 0123456789abcdef0123456789abcdef\n");
        Assert.False(production.Config!.ObserversAllowed());
        Assert.False(production.Config!.PeerLimits().AllowObservers);

        ConfigResult allowed = Load("node:\n  environment: production\nsecurity:\n  authentication: true\n  jwt_secret: 0123456789abcdef0123456789abcdef\np2p:\n  allow_observers: true\n  max_observers: 3\n  max_connections_per_ip: 5\n  handshakes_per_second_per_ip: 7\n  max_pending_handshakes: 9\n  handshake_timeout_ms: 1500\n  max_peers: 11\n");
        Aegis.Network.PeerLimits limits = allowed.Config!.PeerLimits();
        Assert.Equal(new Aegis.Network.PeerLimits { AllowObservers = true, MaxObservers = 3, MaxConnectionsPerIp = 5, HandshakesPerSecondPerIp = 7, MaxPendingHandshakes = 9, HandshakeTimeout = TimeSpan.FromMilliseconds(1500), MaxPeers = 11 }, limits);

        Assert.True(Load("node:\n  environment: testing\n").Config!.ObserversAllowed());
        Assert.False(Load("p2p:\n  allow_observers: false\n").Config!.ObserversAllowed());
        Assert.Contains("p2p.allow_observers: maybe — expected true, false or nothing", Lines(Load("p2p:\n  allow_observers: maybe\n")), StringComparison.Ordinal);
    }

    [Fact]
    public void Typed_values_of_every_kind_are_read()
    {
        ConfigResult r = Load("""
            p2p:
              allow_observers: false
              bootstrap_nodes:
                - 10.0.0.1:8000
                - "[::1]:8001"
            consensus:
              tick_ms: 20
              pipeline_depth: 16
              checkpoint_interval: 128
            mempool:
              max_bytes: 8589934592
            """);

        Assert.True(r.Ok, Lines(r));
        Assert.False(r.Config!.P2p.AllowObservers);
        Assert.Equal(["10.0.0.1:8000", "[::1]:8001"], r.Config.P2p.BootstrapNodes);
        Assert.Equal(20, r.Config.Consensus.TickMs);
        Assert.Equal(16, r.Config.Consensus.PipelineDepth);
        Assert.Equal(128, r.Config.Consensus.CheckpointInterval);
        Assert.Equal(8L * 1024 * 1024 * 1024, r.Config.Mempool.MaxBytes);
    }

    [Fact]
    public void A_missing_file_a_directory_and_an_empty_path_are_problems_not_exceptions()
    {
        Assert.Equal([$"config: {Path.Combine(Dir, "nope.yaml")} — file not found"], ConfigLoader.Load(Path.Combine(Dir, "nope.yaml"), new Dictionary<string, string?>()).Problems);
        Assert.Equal([$"config: {Dir} — a directory; expected a config.yaml file"], ConfigLoader.Load(Dir, new Dictionary<string, string?>()).Problems);
        Assert.Equal(["config: (empty) — expected the path of a config.yaml file"], ConfigLoader.Load("", new Dictionary<string, string?>()).Problems);
    }

    [Fact]
    public void A_file_larger_than_a_config_could_be_is_refused_without_reading_it_whole()
    {
        ConfigResult r = Load("# " + new string('x', ConfigLoader.MaxFileChars) + "\n");
        Assert.Single(r.Problems);
        Assert.Contains("larger than", r.Problems[0], StringComparison.Ordinal);
    }
}
