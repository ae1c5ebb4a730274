namespace Aegis.Knowledge.Chunking;

/// <summary>One indexed passage of a document: its text and where it sits (page, heading, character offset in its section).</summary>
public sealed record Chunk(int Ordinal, string Text, int? Page, string? Heading, int Offset, int Tokens);
