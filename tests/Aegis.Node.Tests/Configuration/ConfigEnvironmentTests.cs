using Aegis.Node.Configuration;

namespace Aegis.Node.Tests.Configuration;

public sealed class ConfigEnvironmentTests : TempConfig
{
    private const string LongSecret = "0123456789abcdef0123456789abcdef-env";

    [Fact]
    public void Every_override_wins_over_the_file()
    {
        ConfigResult r = Load(ContractExample.Yaml, new()
        {
            ["AEGIS_NODE_ID"] = "node-7",
            ["AEGIS_ENVIRONMENT"] = "testing",
            ["AEGIS_LOG_LEVEL"] = "DEBUG",
            ["AEGIS_P2P_HOST"] = "10.1.2.3",
            ["AEGIS_P2P_PORT"] = "9100",
            ["AEGIS_BOOTSTRAP_NODES"] = "10.1.2.4:9100, 10.1.2.5:9100,",
            ["AEGIS_STORAGE_TYPE"] = "postgresql",
            ["AEGIS_DATABASE_URL"] = "postgresql://aegis:pw@db:5432/aegis",
            ["AEGIS_METRICS_PORT"] = "9191",
            ["AEGIS_ENCRYPTION_KEY"] = "k3y",
            ["AEGIS_JWT_SECRET"] = LongSecret,
        });

        Assert.True(r.Ok, Lines(r));
        AegisConfig c = r.Config!;
        Assert.Equal("node-7", c.Node.Id);
        Assert.Equal("testing", c.Node.Environment);
        Assert.Equal("DEBUG", c.Logging.Level);
        Assert.Equal("10.1.2.3", c.P2p.Host);
        Assert.Equal(9100, c.P2p.Port);
        Assert.Equal(["10.1.2.4:9100", "10.1.2.5:9100"], c.P2p.BootstrapNodes);
        Assert.Equal("postgresql", c.Storage.Type);
        Assert.Equal("postgresql://aegis:pw@db:5432/aegis", c.Storage.ConnectionString);
        Assert.Equal(9191, c.Monitoring.MetricsPort);
        Assert.Equal("k3y", c.Security.EncryptionKey);
        Assert.Equal(LongSecret, c.Security.JwtSecret);
    }

    [Fact]
    public void AEGIS_DATABASE_URL_wins_over_DATABASE_URL_which_wins_over_the_file()
    {
        const string File = "storage:\n  type: postgresql\n  connection_string: Host=file\n";
        Assert.Equal("Host=file", Load(File).Config!.Storage.ConnectionString);
        Assert.Equal("Host=plain", Load(File, new() { ["DATABASE_URL"] = "Host=plain" }).Config!.Storage.ConnectionString);
        Assert.Equal("Host=aegis", Load(File, new() { ["DATABASE_URL"] = "Host=plain", ["AEGIS_DATABASE_URL"] = "Host=aegis" }).Config!.Storage.ConnectionString);
    }

    [Fact]
    public void An_empty_override_counts_as_unset()
    {
        ConfigResult r = Load("p2p:\n  port: 8100\n", new() { ["AEGIS_P2P_PORT"] = "", ["AEGIS_NODE_ID"] = null });
        Assert.True(r.Ok, Lines(r));
        Assert.Equal(8100, r.Config!.P2p.Port);
    }

    [Fact]
    public void A_bad_override_value_is_a_problem_naming_the_variable()
    {
        ConfigResult r = Load("", new() { ["AEGIS_P2P_PORT"] = "abc", ["AEGIS_METRICS_PORT"] = "9o9o" });

        Assert.False(r.Ok);
        Assert.Contains("AEGIS_P2P_PORT: abc — expected a whole number for p2p.port", r.Problems);
        Assert.Contains("AEGIS_METRICS_PORT: 9o9o — expected a whole number for monitoring.metrics_port", r.Problems);
    }

    [Fact]
    public void An_override_out_of_range_is_caught_by_validation()
    {
        ConfigResult r = Load("", new() { ["AEGIS_P2P_PORT"] = "70000" });
        Assert.Equal(["p2p.port: 70000 — expected a port 1-65535"], r.Problems);
    }

    [Fact]
    public void Variables_expand_with_and_without_defaults()
    {
        ConfigResult r = Load(
            """
            node:
              id: "${WHO}-${SUFFIX:-x}"
              data_dir: ${DATA:-/var/lib/aegis}
            p2p:
              port: ${PORT:-8100}
              bootstrap_nodes: ["${PEER_A}", "${PEER_B:-10.0.0.2:8000}"]
            api:
              port: ${API_PORT}
            logging:
              level: ${LEVEL:-WARNING}
            """,
            new() { ["WHO"] = "alice", ["PEER_A"] = "10.0.0.1:8000", ["API_PORT"] = "8181", ["LEVEL"] = "" });

        Assert.True(r.Ok, Lines(r));
        Assert.Equal("alice-x", r.Config!.Node.Id);
        Assert.Equal("/var/lib/aegis", r.Config.Node.DataDir);
        Assert.Equal(8100, r.Config.P2p.Port);
        Assert.Equal(["10.0.0.1:8000", "10.0.0.2:8000"], r.Config.P2p.BootstrapNodes);
        Assert.Equal(8181, r.Config.Api.Port);
        Assert.Equal("WARNING", r.Config.Logging.Level); // empty counts as unset, as in ${VAR:-default} in a shell
    }

    [Fact]
    public void A_scalar_list_is_comma_separated_so_a_variable_can_hold_every_peer()
    {
        ConfigResult r = Load("p2p:\n  bootstrap_nodes: ${PEERS}\n", new() { ["PEERS"] = "10.0.0.1:8000,10.0.0.2:8000" });
        Assert.Equal(["10.0.0.1:8000", "10.0.0.2:8000"], r.Config!.P2p.BootstrapNodes);
    }

    [Fact]
    public void An_empty_list_item_is_dropped_so_an_optional_peer_can_be_left_out()
    {
        ConfigResult r = Load("p2p:\n  bootstrap_nodes: [\"${PEER_A}\", \"${PEER_B:-}\", 10.0.0.3:8000]\n");
        Assert.True(r.Ok, Lines(r));
        Assert.Equal(["10.0.0.3:8000"], r.Config!.P2p.BootstrapNodes);
    }

    [Fact]
    public void Expansion_happens_in_values_only_so_it_cannot_change_the_yaml_structure()
    {
        ConfigResult r = Load(
            "# ${IGNORED_IN_COMMENTS}\nnode:\n  id: \"${TRICKY}\"\n",
            new() { ["TRICKY"] = "a: b\"\n  environment: production #" });

        Assert.True(r.Ok, Lines(r));
        Assert.Equal("a: b\"\n  environment: production #", r.Config!.Node.Id);
        Assert.Equal("development", r.Config.Node.Environment);
    }

    [Fact]
    public void Dollar_dollar_brace_is_a_literal_and_a_malformed_reference_is_reported()
    {
        ConfigResult literal = Load("node:\n  id: \"$${NOT_A_VAR}\"\n");
        Assert.Equal("${NOT_A_VAR}", literal.Config!.Node.Id);

        ConfigResult broken = Load("node:\n  id: \"${1BAD}\"\n");
        Assert.Equal(["node.id: ${1BAD} — expected ${NAME} or ${NAME:-default} (NAME of letters, digits and _) at line 2, column 7"], broken.Problems);
    }

    [Fact]
    public void An_unset_variable_is_harmless_where_the_chosen_mode_does_not_need_the_field()
    {
        // The contract's own example references DATABASE_URL and AEGIS_JWT_SECRET; with sqlite and no auth neither matters.
        Assert.True(Load(ContractExample.Yaml).Ok);
    }

    [Fact]
    public void An_unset_variable_in_a_field_the_chosen_mode_needs_is_named()
    {
        ConfigResult db = Load("storage:\n  type: postgresql\n  connection_string: \"${DATABASE_URL}\"\n");
        Assert.Equal(["storage.connection_string: (empty: DATABASE_URL is not set) — expected a connection string when storage.type is postgresql (or set AEGIS_DATABASE_URL)"], db.Problems);

        ConfigResult jwt = Load("security:\n  authentication: true\n  jwt_secret: \"${AEGIS_JWT_SECRET}\"\n");
        Assert.Equal(["security.jwt_secret: (empty: AEGIS_JWT_SECRET is not set) — expected at least 32 bytes when authentication is on (or set AEGIS_JWT_SECRET)"], jwt.Problems);

        ConfigResult port = Load("p2p:\n  port: ${P2P_PORT}\n");
        Assert.Equal(["p2p.port: (empty: P2P_PORT is not set) — expected a whole number at line 2, column 9"], port.Problems);
    }

    [Fact]
    public void An_override_satisfies_a_field_whose_variable_was_unset()
    {
        ConfigResult r = Load("storage:\n  type: postgresql\n  connection_string: \"${PG_URL}\"\n", new() { ["AEGIS_DATABASE_URL"] = "Host=db" });
        Assert.True(r.Ok, Lines(r));
        Assert.Equal("Host=db", r.Config!.Storage.ConnectionString);
    }

    [Fact]
    public void A_secret_from_the_environment_never_appears_in_a_problem()
    {
        ConfigResult r = Load("security:\n  authentication: true\n  jwt_secret: ${SECRET}\n", new() { ["SECRET"] = "too-short-but-private" });
        Assert.Equal(["security.jwt_secret: (redacted) — expected at least 32 bytes when authentication is on (or set AEGIS_JWT_SECRET)"], r.Problems);
    }
}
