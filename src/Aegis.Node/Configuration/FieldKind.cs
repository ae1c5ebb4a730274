namespace Aegis.Node.Configuration;

/// <summary>The YAML shape a key accepts; it decides how text is parsed and how "expected …" is worded.</summary>
internal enum FieldKind
{
    Section,
    Text,
    Integer,
    LongInteger,
    OptionalInteger,
    Flag,
    OptionalFlag,
    TextList,
}
