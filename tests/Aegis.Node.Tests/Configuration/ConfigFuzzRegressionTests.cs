using Aegis.Node.Configuration;

namespace Aegis.Node.Tests.Configuration;

/// <summary>
/// Inputs the config-yaml fuzz target found (fuzz/regressions/config-yaml keeps the originals and these minimized
/// forms): YamlDotNet threw ArgumentException instead of a YamlException, and file text with control characters broke
/// the one-line-per-problem rule. Each must now be one clear problem line.
/// </summary>
public sealed class ConfigFuzzRegressionTests : TempConfig
{
    public static TheoryData<string, string, string> Inputs => new()
    {
        { "empty tag", "!<>\n", "config: YAML syntax error after line 1, column 4 — Tag value must not be empty" },
        { "global tag that is not a URI", "!!!!!!!!!!+!!!-", "config: YAML syntax error after line 1, column 16 — Global tags must be valid URIs" },
        { "entry without a key", "api:\n  : x\n", "config: YAML structure the config reader cannot represent (an entry with no key, such as ': value', is one) — The current event is of an unsupported type" },
        { "newline inside a value", "p2p:\n  port: \"26600\\nlogging: forged\"\n", "p2p.port: 26600\\nlogging: forged — expected a whole number" },
        { "an alias (YamlDotNet's alias resolution overflowed the stack on a self-referencing one)", "p2p: &p\n  port: 1\napi: *p\n", "config: alias *p at line 3, column 6 — aliases are not supported in config.yaml; write the value out" },
        { "control characters inside a key", "\"node\\u0001\\nforged\": 1\n", "node\\u0001\\nforged: unknown key" },
    };

    [Theory]
    [MemberData(nameof(Inputs))]
    public void A_fuzz_found_config_is_refused_with_one_clear_line(string what, string yaml, string expected)
    {
        ConfigResult result = Load(yaml);

        Assert.True(result.Config is null, what);
        Assert.Contains(result.Problems, p => p.StartsWith(expected, StringComparison.Ordinal));
        Assert.All(result.Problems, p => Assert.DoesNotContain(p, c => char.IsControl(c)));
    }
}
