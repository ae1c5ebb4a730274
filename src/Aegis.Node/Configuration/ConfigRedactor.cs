using Aegis.Storage;
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

    /// <summary>
    /// Removes every secret the config holds from free text (a log line, an echoed URL), wherever it came from: the
    /// whole value of each <see cref="SecretAttribute"/> key, the password inside a <c>PasswordOnly</c> one, also
    /// URL-escaped. What <c>diagnose</c> does to its whole report. (Values under 4 characters are left: replacing them
    /// would shred the text and hide nothing.)
    /// </summary>
    public static string Scrub(string text, AegisConfig config)
    {
        IEnumerable<string> secrets = ConfigSchema.All
            .Where(f => f.Secret is not null && f.Kind == FieldKind.Text)
            .Select(f => (f.Secret!.PasswordOnly, Value: (string?)f.GetValue(config) ?? ""))
            .Select(s => s.PasswordOnly ? new StorageOptions { ConnectionString = s.Value }.ConnectionPassword() ?? "" : s.Value);
        foreach (string secret in secrets.Where(s => s.Length >= 4).OrderByDescending(s => s.Length))
        {
            text = text.Replace(secret, SecretMasking.Redacted, StringComparison.Ordinal)
                .Replace(Uri.EscapeDataString(secret), SecretMasking.Redacted, StringComparison.Ordinal);
        }

        return text;
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
