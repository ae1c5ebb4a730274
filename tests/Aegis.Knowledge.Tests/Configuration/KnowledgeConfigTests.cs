using Aegis.Knowledge.Configuration;

namespace Aegis.Knowledge.Tests.Configuration;

public class KnowledgeConfigTests
{
    private static readonly Dictionary<string, string?> NoEnv = [];

    [Fact]
    public void Defaults_need_only_a_secret()
    {
        KnowledgeConfigResult r = KnowledgeConfigLoader.Parse("security:\n  jwt_secret: \"${SECRET}\"\n", "/srv", new Dictionary<string, string?> { ["SECRET"] = new string('s', 32) });
        Assert.True(r.Ok, string.Join("\n", r.Problems));
        Assert.Equal(8080, r.Config!.Api.Port);
        Assert.Equal("/srv/knowledge-data", r.Config.Service.DataDir);
        Assert.Equal("none", r.Config.Answer.Provider);
    }

    [Fact]
    public void Every_problem_is_reported_on_its_own_line()
    {
        string yaml = "api:\n  prot: 1\n  port: eighty\n  host: knowledge.example\nstorage:\n  type: mongo\nanswer:\n  provider: openai\nretrieval:\n  top_k: 0\n";
        KnowledgeConfigResult r = KnowledgeConfigLoader.Parse(yaml, "/srv", NoEnv);
        Assert.False(r.Ok);
        Assert.Contains(r.Problems, p => p.StartsWith("api.prot: unknown key at line 2", StringComparison.Ordinal) && p.Contains("port", StringComparison.Ordinal));
        Assert.Contains(r.Problems, p => p.StartsWith("api.port: eighty", StringComparison.Ordinal) && p.Contains("whole number", StringComparison.Ordinal));
        Assert.Contains(r.Problems, p => p.StartsWith("storage.type:", StringComparison.Ordinal) && p.Contains("mongo", StringComparison.Ordinal));
        Assert.Contains(r.Problems, p => p.StartsWith("api.host: knowledge.example", StringComparison.Ordinal));
        Assert.Contains(r.Problems, p => p.StartsWith("answer.model:", StringComparison.Ordinal));
        Assert.Contains(r.Problems, p => p.StartsWith("retrieval.top_k: 0", StringComparison.Ordinal));
        Assert.Contains(r.Problems, p => p.StartsWith("security.jwt_secret: (redacted)", StringComparison.Ordinal));
    }

    [Fact]
    public void A_schema_the_storage_layer_would_refuse_is_a_config_problem()
    {
        string yaml = "security:\n  jwt_secret: \"" + new string('s', 32) + "\"\nstorage:\n  type: postgresql\n  connection_string: Host=db\n  schema: 1st\n";
        KnowledgeConfigResult r = KnowledgeConfigLoader.Parse(yaml, "/srv", NoEnv);
        Assert.Equal("storage.schema", Assert.Single(r.Problems).Split(':')[0]);
    }

    [Fact]
    public void Environment_overrides_win_and_secrets_never_appear_in_problems()
    {
        var env = new Dictionary<string, string?> { ["AEGIS_KNOWLEDGE_PORT"] = "9000", ["AEGIS_JWT_SECRET"] = "short-secret", ["AEGIS_DATABASE_URL"] = "Host=db" };
        KnowledgeConfigResult r = KnowledgeConfigLoader.Parse("api:\n  port: 8081\nstorage:\n  type: postgresql\n", "/srv", env);
        Assert.DoesNotContain(r.Problems, p => p.Contains("short-secret", StringComparison.Ordinal));
        Assert.Single(r.Problems);
        KnowledgeConfigResult ok = KnowledgeConfigLoader.Parse("api:\n  port: 8081\nstorage:\n  type: postgresql\n", "/srv", env.Append(new("AEGIS_JWT_SECRET", new string('k', 40))).GroupBy(e => e.Key).ToDictionary(g => g.Key, g => g.Last().Value));
        Assert.True(ok.Ok, string.Join("\n", ok.Problems));
        Assert.Equal(9000, ok.Config!.Api.Port);
        Assert.Equal("Host=db", ok.Config.Storage.ConnectionString);
    }
}
