using System.Text;

namespace Aegis.Knowledge.Ingestion;

/// <summary>
/// Markdown → one section per heading, so a citation can name the heading it came from. Code fences are kept as text
/// (they are often what a user asks about); link targets and emphasis markers are dropped.
/// </summary>
internal static class MarkdownExtractor
{
    public static ExtractedDocument Extract(string markdown)
    {
        var sections = new List<DocumentSection>();
        var body = new StringBuilder();
        string? heading = null;
        bool inFence = false;
        foreach (string raw in markdown.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            string line = raw.TrimEnd();
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                inFence = !inFence;
                continue;
            }

            if (!inFence && line.StartsWith('#'))
            {
                Flush();
                heading = line.TrimStart('#').Trim();
                body.Append(heading).Append('\n');
                continue;
            }

            body.Append(inFence ? line : Inline(line)).Append('\n');
        }

        Flush();
        return new ExtractedDocument(DocumentFormats.Markdown, sections);

        void Flush()
        {
            string text = TextExtractor.Normalize(body.ToString());
            if (text.Length > 0 && text != heading)
            {
                sections.Add(new DocumentSection(text, null, heading));
            }

            body.Clear();
        }
    }

    // [text](url) → text; leading list/quote markers and emphasis characters off.
    private static string Inline(string line)
    {
        var sb = new StringBuilder(line.Length);
        string t = line.TrimStart();
        if (t.StartsWith("> ", StringComparison.Ordinal) || t.StartsWith("- ", StringComparison.Ordinal) || t.StartsWith("* ", StringComparison.Ordinal))
        {
            t = t[2..];
        }

        for (int i = 0; i < t.Length; i++)
        {
            char c = t[i];
            if (c == ']' && i + 1 < t.Length && t[i + 1] == '(')
            {
                int close = t.IndexOf(')', i + 2);
                if (close > 0)
                {
                    i = close;
                    continue;
                }
            }

            if (c is '[' or ']' or '*' or '`' || (c == '_' && (i == 0 || i == t.Length - 1 || t[i - 1] == ' ' || t[i + 1] == ' ')))
            {
                continue;
            }

            sb.Append(c);
        }

        return sb.ToString();
    }
}
