namespace Aegis.Knowledge.Ingestion;

/// <summary>
/// Chooses the extractor for an upload from its content, not only its name: a file called ".pdf" must start with
/// "%PDF-" and a ".docx" must be a ZIP, so a renamed file gets a clear error instead of garbage chunks.
/// </summary>
public static class DocumentFormats
{
    public const string Pdf = "pdf";
    public const string Docx = "docx";
    public const string Markdown = "markdown";
    public const string Text = "text";

    public static IReadOnlyList<string> Extensions { get; } = [".pdf", ".docx", ".md", ".markdown", ".txt", ".text"];

    public static string Detect(string fileName, ReadOnlySpan<byte> head)
    {
        string ext = Path.GetExtension(fileName).ToLowerInvariant();
        bool looksPdf = head.StartsWith("%PDF-"u8);
        bool looksZip = head.StartsWith("PK\u0003\u0004"u8);
        switch (ext)
        {
            case ".pdf" when looksPdf:
                return Pdf;
            case ".pdf":
                throw new DocumentRejectedException("unreadable_document", $"{fileName}: not a PDF (the file does not start with %PDF-)");
            case ".docx" when looksZip:
                return Docx;
            case ".docx":
                throw new DocumentRejectedException("unreadable_document", $"{fileName}: not a DOCX (a DOCX is a ZIP package; this file is not)");
            case ".md" or ".markdown":
                return Markdown;
            case ".txt" or ".text" or "":
                return looksPdf ? Pdf : looksZip ? Docx : Text;
            default:
                throw new DocumentRejectedException("unsupported_type", $"{fileName}: unsupported file type '{ext}' (supported: {string.Join(", ", Extensions)})");
        }
    }
}
