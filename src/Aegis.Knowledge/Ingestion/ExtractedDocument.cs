namespace Aegis.Knowledge.Ingestion;

/// <summary>One stretch of a document's text with where it came from: a PDF page, a Markdown section, a DOCX body.</summary>
/// <param name="Text">the section's plain text, paragraphs separated by blank lines.</param>
/// <param name="Page">1-based page number for PDFs; null where the format has no pages.</param>
/// <param name="Heading">the nearest heading above the text, when the format has headings.</param>
public sealed record DocumentSection(string Text, int? Page, string? Heading);

/// <summary>What an extractor read out of an uploaded file.</summary>
public sealed record ExtractedDocument(string Format, IReadOnlyList<DocumentSection> Sections)
{
    public int CharacterCount => Sections.Sum(s => s.Text.Length);
}
