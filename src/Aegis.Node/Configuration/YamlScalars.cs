using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Aegis.Node.Configuration;

/// <summary>The few YAML facts the reader needs: what counts as "nothing", and how to name a node's shape in a message.</summary>
internal static class YamlScalars
{
    /// <summary>An unquoted empty value, <c>~</c> or <c>null</c> (YAML 1.2 core schema); <c>""</c> is an empty string, not null.</summary>
    public static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any } s && s.Value is null or "" or "~" or "null" or "Null" or "NULL";

    public static string ShapeOf(YamlNode node) => node switch
    {
        YamlMappingNode => "section",
        YamlSequenceNode => "list",
        _ => "single value",
    };
}
