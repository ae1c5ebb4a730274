using YamlDotNet.Serialization;

namespace Aegis.Node.Configuration;

/// <summary>
/// The effective config as YAML, in config.yaml's own shape, with secrets masked: what <c>config check</c> and
/// <c>diagnose</c> may print. An empty secret stays empty, so "not set" remains visible; the output loads back.
/// </summary>
public static class ConfigRedactor
{
    public static string ToYaml(AegisConfig config)
    {
        ISerializer serializer = new SerializerBuilder().Build();
        return serializer.Serialize(Section(ConfigSchema.Root, config));
    }

    private static Dictionary<string, object?> Section(IReadOnlyList<ConfigField> fields, AegisConfig config)
    {
        // Dictionary keeps insertion order while nothing is removed, so the output follows the options classes.
        var section = new Dictionary<string, object?>();
        foreach (ConfigField field in fields)
        {
            object? value = field.GetValue(config);
            if (value is null)
            {
                continue; // an optional setting left to genesis: absent, exactly as in a file that does not set it
            }

            section[field.Key] = field.Kind switch
            {
                FieldKind.Section => Section(field.Children, config),
                FieldKind.Text => SecretMasking.Show((string)value, field.Secret),
                _ => value,
            };
        }

        return section;
    }
}
