using System.Reflection;
using YamlDotNet.Serialization.NamingConventions;

namespace Aegis.Node.Configuration;

/// <summary>Every key config.yaml may hold, derived once from the options classes.</summary>
internal static class ConfigSchema
{
    /// <summary>The top-level keys (sections and genesis_file), in declaration order.</summary>
    public static IReadOnlyList<ConfigField> Root { get; } = Build(typeof(AegisConfig), null);

    /// <summary>Every key at every depth.</summary>
    public static IReadOnlyList<ConfigField> All { get; } = Flatten(Root).ToList();

    /// <summary>The key for a dotted path; a list index (<c>p2p.bootstrap_nodes[2]</c>) names its list.</summary>
    public static ConfigField? Find(string path)
    {
        int bracket = path.IndexOf('[', StringComparison.Ordinal);
        string bare = bracket < 0 ? path : path[..bracket];
        return All.FirstOrDefault(f => f.Path == bare);
    }

    private static List<ConfigField> Build(Type type, ConfigField? parent)
    {
        var fields = new List<ConfigField>();
        foreach (PropertyInfo property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            string key = UnderscoredNamingConvention.Instance.Apply(property.Name);
            var field = new ConfigField(parent, property, key, KindOf(property));
            if (field.Kind == FieldKind.Section)
            {
                field.Children = Build(property.PropertyType, field);
            }

            fields.Add(field);
        }

        return fields;
    }

    private static FieldKind KindOf(PropertyInfo property)
    {
        Type t = property.PropertyType;
        return t == typeof(string) ? FieldKind.Text
            : t == typeof(int) ? FieldKind.Integer
            : t == typeof(long) ? FieldKind.LongInteger
            : t == typeof(int?) ? FieldKind.OptionalInteger
            : t == typeof(bool) ? FieldKind.Flag
            : t == typeof(bool?) ? FieldKind.OptionalFlag
            : t == typeof(List<string>) ? FieldKind.TextList
            : t.IsClass && (t.Namespace == typeof(AegisConfig).Namespace || t == typeof(Aegis.Content.ContentOptions)) ? FieldKind.Section
            : throw new InvalidOperationException($"{property.DeclaringType?.Name}.{property.Name}: options of type {t.Name} have no YAML reader yet");
    }

    private static IEnumerable<ConfigField> Flatten(IEnumerable<ConfigField> fields) =>
        fields.SelectMany(f => f.Children.Count == 0 ? [f] : Flatten(f.Children).Prepend(f));
}
