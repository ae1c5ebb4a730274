using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace Aegis.Node.Configuration;

/// <summary>config.yaml text → its top-level mapping, or one problem line naming where the YAML broke.</summary>
internal static partial class YamlDocumentReader
{
    // config.yaml is two levels deep; a file nested far deeper is not a config, and building its tree recursively could exhaust the stack.
    private const int MaxDepth = 16;

    public static YamlMappingNode? Read(string yaml, out string? problem)
    {
        // A streaming pass first: it finds syntax errors and over-deep nesting without building a tree.
        problem = Scan(yaml);
        if (problem is not null)
        {
            return null;
        }

        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException ex)
        {
            // Only the tree's own rules are left to fail here, such as a duplicate key.
            problem = $"config: YAML error at {Where(ex.Start)} — {BareMessage(ex)}";
            return null;
        }
        catch (ArgumentException ex)
        {
            // YamlDotNet's tree builder throws this for event sequences it does not model, after the streaming parser
            // accepted them (found by fuzzing: fuzz/regressions/config-yaml).
            problem = $"config: YAML structure the config reader cannot represent (an entry with no key, such as ': value', is one) — {ProblemText.Printable(ex.Message.Split(" (Parameter", 2)[0].TrimEnd('.'))}";
            return null;
        }

        if (stream.Documents.Count > 1)
        {
            problem = $"config: {stream.Documents.Count} YAML documents — expected one";
            return null;
        }

        YamlNode? root = stream.Documents.Count == 0 ? null : stream.Documents[0].RootNode;
        switch (root)
        {
            case null:
                return new YamlMappingNode();
            case YamlMappingNode mapping:
                return mapping;
            case YamlScalarNode scalar when YamlScalars.IsNull(scalar):
                return new YamlMappingNode();
            default:
                problem = $"config: a {YamlScalars.ShapeOf(root)} at {Where(root.Start)} — expected sections of key: value pairs";
                return null;
        }
    }

    public static string Where(Mark mark) => $"line {mark.Line}, column {mark.Column}";

    private static string? Scan(string yaml)
    {
        var parser = new Parser(new StringReader(yaml));
        Mark lastGood = Mark.Empty;
        int depth = 0;
        try
        {
            while (parser.MoveNext())
            {
                ParsingEvent e = parser.Current!;
                if (e is AnchorAlias alias)
                {
                    // YamlDotNet resolves aliases recursively, and an alias standing for a node that contains it (a
                    // 62-byte file the fuzzer found) overflows the stack: an uncatchable crash. A config has no need for them.
                    return $"config: alias *{ProblemText.Printable(alias.Value.Value)} at {Where(e.Start)} — aliases are not supported in config.yaml; write the value out";
                }

                if (e is MappingStart or SequenceStart && ++depth > MaxDepth)
                {
                    return $"config: nested deeper than {MaxDepth} levels at {Where(e.Start)} — expected sections of key: value pairs";
                }

                depth -= e is MappingEnd or SequenceEnd ? 1 : 0;
                lastGood = e.End;
            }

            return null;
        }
        catch (YamlException ex)
        {
            return $"config: YAML syntax error at {Where(ex.Start)} — {BareMessage(ex)}";
        }
        catch (ArgumentException ex)
        {
            // YamlDotNet's parser throws this, not a YamlException, for a malformed tag such as !<> (found by fuzzing).
            return $"config: YAML syntax error after {Where(lastGood)} — {ProblemText.Printable(ex.Message.Split(" (Parameter", 2)[0].TrimEnd('.'))}";
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner throws this instead of a YamlException on some malformed flow collections.
            return $"config: YAML syntax error after {Where(lastGood)} — could not parse beyond this point (an unclosed [ or {{?)";
        }
    }

    // YamlDotNet prefixes its message with "(Line: l, Col: c, Idx: i) - (…): "; the position is already in the line.
    private static string BareMessage(YamlException ex)
    {
        string message = PositionPrefix().Replace(ex.Message, "");
        if (ex.InnerException is { } inner && message.Length == 0)
        {
            message = inner.Message;
        }

        return ProblemText.Printable(message.TrimEnd('.'));
    }

    [GeneratedRegex(@"^\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\): ")]
    private static partial Regex PositionPrefix();
}
