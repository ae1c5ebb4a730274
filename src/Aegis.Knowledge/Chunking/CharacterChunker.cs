using Aegis.Knowledge.Ingestion;

namespace Aegis.Knowledge.Chunking;

/// <summary>
/// The original backend-aiss recipe: fixed windows of <c>size</c> characters advancing by <c>size − overlap</c>,
/// blind to words and tokens. Kept only so `aegis knowledge eval --mode aiss` can measure it against ours.
/// </summary>
public static class CharacterChunker
{
    public static List<Chunk> Split(IReadOnlyList<DocumentSection> sections, int size, int overlap)
    {
        if (size <= 0 || overlap < 0 || overlap >= size)
        {
            throw new ArgumentOutOfRangeException(nameof(size), $"need size > overlap ≥ 0 (got {size}, {overlap})");
        }

        var chunks = new List<Chunk>();
        foreach (DocumentSection s in sections)
        {
            for (int from = 0; from < s.Text.Length; from += size - overlap)
            {
                int to = Math.Min(s.Text.Length, from + size);
                chunks.Add(new Chunk(chunks.Count, s.Text[from..to], s.Page, s.Heading, from, 0));
                if (to == s.Text.Length)
                {
                    break;
                }
            }
        }

        return chunks;
    }
}
