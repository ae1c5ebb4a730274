using System.Globalization;
using System.Reflection;
using Aegis.Node.Configuration;
using YamlDotNet.RepresentationModel;
using YamlDotNet.Serialization.NamingConventions;

namespace Aegis.Knowledge.Configuration;

/// <summary>The outcome of loading knowledge.yaml: the config, or one line per problem.</summary>
public sealed record KnowledgeConfigResult(KnowledgeConfig? Config, IReadOnlyList<string> Problems)
{
    public bool Ok => Config is not null;
}

/// <summary>
/// knowledge.yaml → <see cref="KnowledgeConfig"/> with the node's conventions: the node's YAML reader, <c>${VAR}</c>
/// and <c>${VAR:-default}</c> in values, environment overrides that win over the file, relative paths against the
/// file's folder, and every problem reported (unknown keys, wrong types, bad values), one line each.
/// </summary>
public static class KnowledgeConfigLoader
{
    /// <summary>Environment variable → key it overrides.</summary>
    public static IReadOnlyDictionary<string, string> Overrides { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["AEGIS_KNOWLEDGE_DATA_DIR"] = "service.data_dir",
        ["AEGIS_KNOWLEDGE_HOST"] = "api.host",
        ["AEGIS_KNOWLEDGE_PORT"] = "api.port",
        ["AEGIS_STORAGE_TYPE"] = "storage.type",
        ["AEGIS_DATABASE_URL"] = "storage.connection_string",
        ["AEGIS_JWT_SECRET"] = "security.jwt_secret",
        ["AEGIS_LLM_PROVIDER"] = "answer.provider",
        ["AEGIS_LLM_ENDPOINT"] = "answer.endpoint",
        ["AEGIS_LLM_MODEL"] = "answer.model",
        ["AEGIS_LLM_API_KEY"] = "answer.api_key",
        ["AEGIS_LOG_LEVEL"] = "logging.level",
    };

    public static KnowledgeConfigResult Load(string path, IReadOnlyDictionary<string, string?> environment)
    {
        string yaml;
        try
        {
            if (!File.Exists(path))
            {
                return new KnowledgeConfigResult(null, [$"config: {path} — file not found"]);
            }

            if (new FileInfo(path).Length > 1024 * 1024)
            {
                return new KnowledgeConfigResult(null, [$"config: {path} — larger than 1 MiB; expected a knowledge.yaml file"]);
            }

            yaml = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return new KnowledgeConfigResult(null, [$"config: {path} — {ex.Message}"]);
        }

        return Parse(yaml, Path.GetDirectoryName(Path.GetFullPath(path))!, environment);
    }

    public static KnowledgeConfigResult Parse(string yaml, string baseDirectory, IReadOnlyDictionary<string, string?> environment)
    {
        if (YamlDocumentReader.Read(yaml, out string? syntax) is not { } root)
        {
            return new KnowledgeConfigResult(null, [syntax!]);
        }

        var config = new KnowledgeConfig();
        var problems = new List<string>();
        BindSection(root, config, "", environment, problems);
        foreach ((string variable, string key) in Overrides)
        {
            string? value = variable == "AEGIS_DATABASE_URL" ? environment.GetValueOrDefault(variable) ?? environment.GetValueOrDefault("DATABASE_URL") : environment.GetValueOrDefault(variable);
            if (!string.IsNullOrEmpty(value))
            {
                Set(config, key, value, $"{variable}", problems);
            }
        }

        if (!Path.IsPathRooted(config.Service.DataDir))
        {
            config.Service.DataDir = Path.GetFullPath(Path.Combine(baseDirectory, config.Service.DataDir));
        }

        problems.AddRange(KnowledgeConfigValidator.Validate(config));
        return problems.Count == 0 ? new KnowledgeConfigResult(config, []) : new KnowledgeConfigResult(null, problems);
    }

    private static void BindSection(YamlMappingNode mapping, object target, string prefix, IReadOnlyDictionary<string, string?> environment, List<string> problems)
    {
        Dictionary<string, PropertyInfo> keys = target.GetType().GetProperties().ToDictionary(p => UnderscoredNamingConvention.Instance.Apply(p.Name), StringComparer.Ordinal);
        foreach ((YamlNode keyNode, YamlNode valueNode) in mapping.Children)
        {
            string key = (keyNode as YamlScalarNode)?.Value ?? "";
            string path = prefix + key;
            if (!keys.TryGetValue(key, out PropertyInfo? property))
            {
                problems.Add($"{path}: unknown key at {YamlDocumentReader.Where(keyNode.Start)} (expected one of: {string.Join(", ", keys.Keys)})");
                continue;
            }

            bool isSection = property.PropertyType.IsClass && property.PropertyType != typeof(string);
            switch (valueNode)
            {
                case YamlMappingNode child when isSection:
                    BindSection(child, property.GetValue(target)!, path + ".", environment, problems);
                    break;
                case YamlScalarNode scalar when !isSection:
                    string text = scalar.Value ?? "";
                    Expansion e = VariableExpander.Expand(text, environment);
                    if (e.Malformed)
                    {
                        problems.Add($"{path}: {text} — expected ${{NAME}} or ${{NAME:-default}} at {YamlDocumentReader.Where(scalar.Start)}");
                    }
                    else if (e.Unset.Count > 0 && e.Text.Length == 0)
                    {
                        problems.Add($"{path}: (empty: {string.Join(", ", e.Unset)} not set) at {YamlDocumentReader.Where(scalar.Start)}");
                    }
                    else
                    {
                        SetProperty(target, property, e.Text, path, $"at {YamlDocumentReader.Where(scalar.Start)}", problems);
                    }

                    break;
                case YamlScalarNode { Value: null or "" or "~" or "null" } when isSection:
                    break;
                default:
                    problems.Add($"{path}: a {(valueNode is YamlMappingNode ? "section" : valueNode is YamlSequenceNode ? "list" : "value")} at {YamlDocumentReader.Where(valueNode.Start)} — expected {(isSection ? "a section" : "a single value")}");
                    break;
            }
        }
    }

    private static void Set(KnowledgeConfig config, string dotted, string value, string source, List<string> problems)
    {
        string[] parts = dotted.Split('.');
        object section = typeof(KnowledgeConfig).GetProperty(Pascal(parts[0]))!.GetValue(config)!;
        SetProperty(section, section.GetType().GetProperty(Pascal(parts[1]))!, value, dotted, $"(from {source})", problems);
    }

    private static void SetProperty(object target, PropertyInfo property, string text, string path, string where, List<string> problems)
    {
        Type t = property.PropertyType;
        string trimmed = text.Trim();
        object? value = t == typeof(string) ? text
            : t == typeof(int) && int.TryParse(trimmed, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int i) ? i
            : t == typeof(long) && long.TryParse(trimmed, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long l) ? l
            : t == typeof(bool) && bool.TryParse(trimmed, out bool b) ? b
            : null;
        if (value is null)
        {
            string shown = property.GetCustomAttribute<SecretAttribute>() is null ? text : "(redacted)";
            problems.Add($"{path}: {shown} {where} — expected {(t == typeof(bool) ? "true or false" : "a whole number")}");
            return;
        }

        property.SetValue(target, value);
    }

    private static string Pascal(string snake) => string.Concat(snake.Split('_').Select(w => char.ToUpperInvariant(w[0]) + w[1..]));
}
