namespace Aegis.Knowledge.Answers;

/// <summary>A retrieved passage as it is cited: [n] in the answer is Sources[n-1].</summary>
public sealed record Source(string DocId, string ChunkId, float Score, string Text, string Collection, string? FileName, int? Page, string? Heading);
