using Aegis.Knowledge.Ingestion;

namespace Aegis.Knowledge.Chunking;

/// <summary>
/// Token-aware chunking with overlap: each chunk holds at most <c>maxTokens</c> model tokens, breaks at a sentence
/// end when one falls in the second half of the window, and starts with up to <c>overlapTokens</c> tokens of the
/// previous chunk (rounded to a sentence start when possible) so a fact split across a boundary is whole in one chunk.
/// Counting model tokens rather than characters keeps every chunk inside the encoder's 512-token window; a
/// character recipe (1,000 characters) silently truncates token-dense text such as formulas and tables.
/// </summary>
public sealed class TokenChunker
{
    private readonly ITokenCounter _counter;
    private readonly int _maxTokens;
    private readonly int _overlapTokens;

    public TokenChunker(ITokenCounter counter, int maxTokens, int overlapTokens)
    {
        if (maxTokens < 8 || overlapTokens < 0 || overlapTokens >= maxTokens / 2)
        {
            throw new ArgumentOutOfRangeException(nameof(maxTokens), $"need maxTokens ≥ 8 and 0 ≤ overlap < maxTokens/2 (got {maxTokens}, {overlapTokens})");
        }

        _counter = counter;
        _maxTokens = maxTokens;
        _overlapTokens = overlapTokens;
    }

    public List<Chunk> Split(IReadOnlyList<DocumentSection> sections)
    {
        var chunks = new List<Chunk>();
        foreach (DocumentSection section in sections)
        {
            SplitSection(section, chunks);
        }

        return chunks;
    }

    private void SplitSection(DocumentSection section, List<Chunk> chunks)
    {
        List<Word> words = Words(section.Text);
        int start = 0;
        while (start < words.Count)
        {
            int end = start;
            int tokens = 0;
            while (end < words.Count && (end == start || tokens + words[end].Tokens <= _maxTokens))
            {
                tokens += words[end].Tokens;
                end++;
            }

            if (end < words.Count)
            {
                // Prefer to end on a sentence in the second half of the window.
                for (int j = end - 1; j > start + ((end - start) / 2); j--)
                {
                    if (words[j].EndsSentence)
                    {
                        end = j + 1;
                        break;
                    }
                }
            }

            int from = words[start].Offset;
            int to = words[end - 1].Offset + words[end - 1].Length;
            chunks.Add(new Chunk(chunks.Count, section.Text[from..to], section.Page, section.Heading, from, words.Skip(start).Take(end - start).Sum(w => w.Tokens)));
            if (end >= words.Count)
            {
                break;
            }

            start = Math.Max(start + 1, OverlapStart(words, start, end));
        }
    }

    // The earliest word such that words[s..end) fit in the overlap budget, moved forward to a sentence start if one is inside.
    private int OverlapStart(List<Word> words, int start, int end)
    {
        int s = end;
        int budget = _overlapTokens;
        while (s > start + 1 && words[s - 1].Tokens <= budget)
        {
            budget -= words[s - 1].Tokens;
            s--;
        }

        for (int j = s; j < end; j++)
        {
            if (j > 0 && words[j - 1].EndsSentence)
            {
                return j;
            }
        }

        return s;
    }

    private List<Word> Words(string text)
    {
        var words = new List<Word>();
        int i = 0;
        while (i < text.Length)
        {
            while (i < text.Length && char.IsWhiteSpace(text[i]))
            {
                i++;
            }

            int begin = i;
            while (i < text.Length && !char.IsWhiteSpace(text[i]))
            {
                i++;
            }

            if (i > begin)
            {
                string w = text[begin..i];
                bool paragraphEnd = i + 1 < text.Length && text[i] == '\n' && text[i + 1] == '\n';
                bool sentenceEnd = paragraphEnd || w[^1] is '.' or '!' or '?' or ':' or ';';
                words.Add(new Word(begin, i - begin, Math.Max(1, _counter.Count(w)), sentenceEnd));
            }
        }

        return words;
    }

    private readonly record struct Word(int Offset, int Length, int Tokens, bool EndsSentence);
}
