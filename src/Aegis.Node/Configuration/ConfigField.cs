using System.Globalization;
using System.Reflection;

namespace Aegis.Node.Configuration;

/// <summary>
/// One key of config.yaml (a section or a setting). Built by reflection over <see cref="AegisConfig"/>, so the options
/// classes stay the only list of what exists: reading, overrides, suggestions and redaction all walk these.
/// </summary>
internal sealed class ConfigField
{
    private readonly PropertyInfo _property;

    public ConfigField(ConfigField? parent, PropertyInfo property, string key, FieldKind kind)
    {
        Parent = parent;
        _property = property;
        Key = key;
        Path = parent is null ? key : $"{parent.Path}.{key}";
        Kind = kind;
        Secret = property.GetCustomAttribute<SecretAttribute>();
    }

    public ConfigField? Parent { get; }

    /// <summary>The snake_case key as written in YAML, e.g. <c>port</c>.</summary>
    public string Key { get; }

    /// <summary>The dotted path used in every message, e.g. <c>p2p.port</c>.</summary>
    public string Path { get; }

    public FieldKind Kind { get; }

    public SecretAttribute? Secret { get; }

    /// <summary>The keys of a section, in declaration order; empty for a setting.</summary>
    public IReadOnlyList<ConfigField> Children { get; set; } = [];

    public string Expected => Kind switch
    {
        FieldKind.Section => $"expected a section with keys {string.Join(", ", Children.Select(c => c.Key))}",
        FieldKind.Integer or FieldKind.LongInteger => "expected a whole number",
        FieldKind.OptionalInteger => "expected a whole number or nothing",
        FieldKind.Flag => "expected true or false",
        FieldKind.OptionalFlag => "expected true, false or nothing",
        FieldKind.TextList => "expected a list of strings",
        _ => "expected a single value",
    };

    public object? GetValue(AegisConfig config) => _property.GetValue(Owner(config));

    public void SetValue(AegisConfig config, object? value) => _property.SetValue(Owner(config), value);

    /// <summary>Text from a YAML scalar or an environment variable, converted to this key's type.</summary>
    public bool TryParse(string text, out object? value)
    {
        string t = text.Trim();
        switch (Kind)
        {
            case FieldKind.Text:
                value = text;
                return true;
            case FieldKind.Integer when int.TryParse(t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int i):
                value = i;
                return true;
            case FieldKind.LongInteger when long.TryParse(t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long l):
                value = l;
                return true;
            case FieldKind.OptionalInteger when t.Length == 0:
                value = null;
                return true;
            case FieldKind.OptionalInteger when int.TryParse(t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int o):
                value = o;
                return true;
            case FieldKind.Flag when bool.TryParse(t, out bool b):
                value = b;
                return true;
            case FieldKind.OptionalFlag when t.Length == 0:
                value = null;
                return true;
            case FieldKind.OptionalFlag when bool.TryParse(t, out bool ob):
                value = ob;
                return true;
            case FieldKind.TextList:
                // A scalar list is comma-separated, the same shape as AEGIS_BOOTSTRAP_NODES, so "${PEERS}" works in YAML too.
                value = t.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
                return true;
            default:
                value = null;
                return false;
        }
    }

    private object Owner(AegisConfig config) => Parent is null ? config : Parent.GetValue(config)!;
}
