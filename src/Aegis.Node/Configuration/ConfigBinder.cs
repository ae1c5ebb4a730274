using YamlDotNet.RepresentationModel;

namespace Aegis.Node.Configuration;

/// <summary>
/// Copies a parsed config.yaml onto <see cref="AegisConfig"/>, key by key, expanding <c>${VAR}</c> in each value. It
/// never stops at the first mistake: every unknown key and every badly typed value becomes a problem line, and the
/// keys that were fine are still applied so validation can report the rest.
/// </summary>
internal sealed class ConfigBinder(IReadOnlyDictionary<string, string?> environment)
{
    public List<string> Problems { get; } = [];

    /// <summary>Dotted path → variables that were unset (no default) in that key's value; validation names them if the key is needed.</summary>
    public Dictionary<string, IReadOnlyList<string>> UnsetVariables { get; } = [];

    public void Bind(YamlMappingNode root, AegisConfig config) => BindSection(root, ConfigSchema.Root, config);

    private void BindSection(YamlMappingNode mapping, IReadOnlyList<ConfigField> keys, AegisConfig config)
    {
        foreach ((YamlNode keyNode, YamlNode valueNode) in mapping.Children)
        {
            string key = keyNode is YamlScalarNode { Value: { } k } ? k : "";
            ConfigField? field = keys.FirstOrDefault(f => f.Key == key);
            if (field is null)
            {
                string parent = keys[0].Parent is { } p ? p.Path + "." : "";
                string? suggestion = KeySuggester.Suggest(key, keys);
                Problems.Add($"{parent}{ProblemText.Printable(key)}: unknown key{(suggestion is null ? "" : $" (did you mean {suggestion}?)")} at {YamlDocumentReader.Where(keyNode.Start)}");
                continue;
            }

            BindValue(field, valueNode, config);
        }
    }

    private void BindValue(ConfigField field, YamlNode node, AegisConfig config)
    {
        switch (field.Kind, node)
        {
            case (FieldKind.Section, YamlScalarNode scalar) when YamlScalars.IsNull(scalar):
                // "api:" with nothing under it keeps the defaults (an empty list or optional number parses from "" below).
                break;
            case (FieldKind.Section, YamlMappingNode mapping):
                BindSection(mapping, field.Children, config);
                break;
            case (FieldKind.TextList, YamlSequenceNode sequence):
                BindList(field, sequence, config);
                break;
            case (not FieldKind.Section, YamlScalarNode scalar):
                Expansion e = Expand(field.Path, scalar);
                if (e.Malformed)
                {
                    Fail(field.Path, e.Text, "expected ${NAME} or ${NAME:-default} (NAME of letters, digits and _)", scalar, e.Unset);
                }
                else if (field.TryParse(e.Text, out object? value))
                {
                    field.SetValue(config, value);
                }
                else
                {
                    Fail(field.Path, e.Text, field.Expected, scalar, e.Unset);
                }

                break;
            default:
                Fail(field.Path, $"a {YamlScalars.ShapeOf(node)}", field.Expected, node, null);
                break;
        }
    }

    // Empty items are dropped, as in the comma-separated form, so "${OPTIONAL_PEER:-}" can leave a slot out.
    private void BindList(ConfigField field, YamlSequenceNode sequence, AegisConfig config)
    {
        var items = new List<string>();
        int index = 0;
        foreach (YamlNode item in sequence.Children)
        {
            string path = $"{field.Path}[{index++}]";
            if (item is not YamlScalarNode scalar)
            {
                Fail(path, $"a {YamlScalars.ShapeOf(item)}", "expected a string", item, null);
                continue;
            }

            string text = Expand(path, scalar).Text.Trim();
            if (text.Length > 0)
            {
                items.Add(text);
            }
        }

        field.SetValue(config, items);
    }

    private Expansion Expand(string path, YamlScalarNode scalar)
    {
        Expansion e = YamlScalars.IsNull(scalar) ? new Expansion("", [], false) : VariableExpander.Expand(scalar.Value ?? "", environment);
        if (e.Unset.Count > 0)
        {
            UnsetVariables[path] = e.Unset;
        }

        return e;
    }

    private void Fail(string path, object? value, string expected, YamlNode node, IReadOnlyList<string>? unset) =>
        Problems.Add($"{ProblemText.Line(path, value, expected, unset)} at {YamlDocumentReader.Where(node.Start)}");
}
