using YamlDotNet.RepresentationModel;

namespace Aegis.Kits.Tests.Support;

/// <summary>Reads YAML (every document) into plain dictionaries, lists and strings.</summary>
public static class Yaml
{
    public static List<object?> LoadAll(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return [.. stream.Documents.Select(d => Convert(d.RootNode))];
    }

    public static Dictionary<string, object?> Load(string text) => (Dictionary<string, object?>)LoadAll(text)[0]!;

    public static Dictionary<string, object?> Map(this object? node) => node as Dictionary<string, object?> ?? throw new InvalidOperationException($"expected a map, got {node}");

    public static List<object?> List(this object? node) => node as List<object?> ?? throw new InvalidOperationException($"expected a list, got {node}");

    public static string Str(this object? node) => node as string ?? throw new InvalidOperationException($"expected a scalar, got {node}");

    /// <summary>Follows a path of keys: <c>doc.At("spec", "template", "spec")</c>.</summary>
    public static object? At(this object? node, params string[] keys)
    {
        foreach (string k in keys)
        {
            node = node.Map().GetValueOrDefault(k);
        }

        return node;
    }

    private static object? Convert(YamlNode node) => node switch
    {
        YamlMappingNode m => m.Children.ToDictionary(kv => ((YamlScalarNode)kv.Key).Value!, kv => Convert(kv.Value), StringComparer.Ordinal),
        YamlSequenceNode s => s.Children.Select(Convert).ToList(),
        YamlScalarNode v => v.Value,
        _ => null,
    };
}
