using Aegis.Node.Configuration;

namespace Aegis.Node.Tests.Configuration;

public sealed class ConfigRedactorTests : TempConfig
{
    private static AegisConfig WithSecrets()
    {
        var c = new AegisConfig();
        c.Security.Authentication = true;
        c.Security.JwtSecret = "jwt-hunter2-0123456789abcdef0123456789";
        c.Security.EncryptionKey = "enc-hunter2";
        c.Storage.Type = "postgresql";
        c.Storage.ConnectionString = "postgresql://aegis:hunter2@db.internal:5432/ledger";
        c.P2p.BootstrapNodes = ["10.0.0.1:8000"];
        return c;
    }

    [Fact]
    public void Secrets_are_redacted_and_the_rest_stays_readable()
    {
        string yaml = ConfigRedactor.ToYaml(WithSecrets());

        Assert.DoesNotContain("hunter2", yaml, StringComparison.Ordinal);
        Assert.Contains("jwt_secret: (redacted)", yaml, StringComparison.Ordinal);
        Assert.Contains("encryption_key: (redacted)", yaml, StringComparison.Ordinal);
        Assert.Contains("connection_string: postgresql://aegis:(redacted)@db.internal:5432/ledger", yaml, StringComparison.Ordinal);
        Assert.Contains("port: 8000", yaml, StringComparison.Ordinal);
        Assert.Contains("- 10.0.0.1:8000", yaml, StringComparison.Ordinal);
    }

    [Fact]
    public void Scrub_removes_every_secret_of_the_config_from_free_text()
    {
        AegisConfig c = WithSecrets();
        c.Security.JwtPreviousSecret = "old-jwt-previous-0123456789abcdef";
        c.Storage.ConnectionString = "postgresql://aegis:p%40ss-w0rd@db.internal:5432/ledger";
        string text = $"fail: {c.Security.JwtSecret} {c.Security.JwtPreviousSecret} {c.Security.EncryptionKey} p@ss-w0rd {c.Storage.ConnectionString} ok";

        string scrubbed = ConfigRedactor.Scrub(text, c);

        Assert.Equal("fail: (redacted) (redacted) (redacted) (redacted) postgresql://aegis:(redacted)@db.internal:5432/ledger ok", scrubbed);
    }

    [Fact]
    public void It_uses_config_yaml_keys_in_declaration_order()
    {
        string yaml = ConfigRedactor.ToYaml(new AegisConfig());
        string[] topLevel = yaml.Split('\n').Where(l => l.Length > 0 && !char.IsWhiteSpace(l[0])).Select(l => l.Split(':')[0]).ToArray();

        Assert.Equal(["node", "genesis_file", "p2p", "consensus", "storage", "api", "monitoring", "security", "logging", "mempool", "dashboard", "content"], topLevel);
        Assert.Contains("view_change_timeout_ms: 2000", yaml, StringComparison.Ordinal);
        Assert.DoesNotContain("pipeline_depth", yaml, StringComparison.Ordinal); // unset: left to genesis
    }

    [Fact]
    public void An_unset_secret_stays_visibly_empty()
    {
        string yaml = ConfigRedactor.ToYaml(new AegisConfig());
        Assert.Contains("jwt_secret: ''", yaml, StringComparison.Ordinal);
    }

    [Fact]
    public void The_redacted_yaml_loads_back_to_the_same_settings()
    {
        AegisConfig original = WithSecrets();
        original.Security.Authentication = false; // "(redacted)" is no usable secret, so it must not be needed
        original.Consensus.PipelineDepth = 16;
        original.Logging.Level = "true"; // a string that looks like a boolean must stay quoted
        original.Node.Id = "8000";
        File.WriteAllText(ConfigPath, ConfigRedactor.ToYaml(original));

        ConfigResult r = ConfigLoader.Load(ConfigPath, new Dictionary<string, string?>());

        // Only validation complains (the log level), so every key was read back; compare the re-rendered YAML.
        Assert.Equal(["logging.level: true — expected DEBUG, INFO, WARNING or ERROR"], r.Problems);
        original.Logging.Level = "INFO";
        File.WriteAllText(ConfigPath, ConfigRedactor.ToYaml(original));
        r = ConfigLoader.Load(ConfigPath, new Dictionary<string, string?>());
        Assert.True(r.Ok, Lines(r));
        Assert.Equal("8000", r.Config!.Node.Id);
        Assert.Equal(16, r.Config.Consensus.PipelineDepth);
        Assert.Equal(ConfigRedactor.ToYaml(WithResolvedPaths(original)), ConfigRedactor.ToYaml(r.Config));
    }

    private AegisConfig WithResolvedPaths(AegisConfig c)
    {
        c.Node.DataDir = Path.Combine(Dir, "data");
        c.Node.KeyFile = Path.Combine(Dir, "node.key");
        c.GenesisFile = Path.GetFullPath(Path.Combine(Dir, "..", "genesis.json"));
        return c;
    }
}
