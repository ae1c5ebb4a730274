using System.Text;

namespace Aegis.Knowledge.Ingestion;

/// <summary>Reads the text out of an uploaded file by its detected format; every failure is a <see cref="DocumentRejectedException"/>.</summary>
public static class TextExtractor
{
    public static ExtractedDocument Extract(string fileName, byte[] content)
    {
        string format = DocumentFormats.Detect(fileName, content.AsSpan(0, Math.Min(8, content.Length)));
        ExtractedDocument doc = format switch
        {
            DocumentFormats.Pdf => PdfExtractor.Extract(fileName, content),
            DocumentFormats.Docx => DocxExtractor.Extract(fileName, content),
            DocumentFormats.Markdown => MarkdownExtractor.Extract(DecodeText(fileName, content)),
            _ => new ExtractedDocument(DocumentFormats.Text, [new DocumentSection(Normalize(DecodeText(fileName, content)), null, null)]),
        };
        var sections = doc.Sections.Where(s => !string.IsNullOrWhiteSpace(s.Text)).ToList();
        if (sections.Count == 0)
        {
            throw new DocumentRejectedException("empty_document", $"{fileName}: no text found (a scanned PDF needs OCR first)");
        }

        return doc with { Sections = sections };
    }

    /// <summary>Line endings to \n, trailing spaces off, runs of 3+ newlines to a paragraph break.</summary>
    public static string Normalize(string text)
    {
        var sb = new StringBuilder(text.Length);
        int newlines = 0;
        foreach (string raw in text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n').Split('\n'))
        {
            string line = raw.TrimEnd();
            if (line.Length == 0)
            {
                newlines++;
                continue;
            }

            if (sb.Length > 0)
            {
                sb.Append(newlines > 0 ? "\n\n" : "\n");
            }

            newlines = 0;
            sb.Append(line);
        }

        return sb.ToString();
    }

    // Text uploads must be UTF-8 (a BOM is fine): decoding Latin-1 or binary as UTF-8 would index replacement characters.
    private static string DecodeText(string fileName, byte[] content)
    {
        try
        {
            string text = new UTF8Encoding(false, true).GetString(content);
            if (text.Length > 0 && text[0] == '\uFEFF')
            {
                text = text[1..];
            }

            if (text.Contains('\0', StringComparison.Ordinal))
            {
                throw new DocumentRejectedException("unreadable_document", $"{fileName}: binary content (NUL bytes) in a text file");
            }

            return text;
        }
        catch (DecoderFallbackException ex)
        {
            throw new DocumentRejectedException("unreadable_document", $"{fileName}: not UTF-8 text (invalid byte at offset {ex.Index})", ex);
        }
    }
}
