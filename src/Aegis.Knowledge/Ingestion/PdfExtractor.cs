using UglyToad.PdfPig;
using UglyToad.PdfPig.Content;
using UglyToad.PdfPig.Core;
using UglyToad.PdfPig.DocumentLayoutAnalysis.TextExtractor;
using UglyToad.PdfPig.Exceptions;

namespace Aegis.Knowledge.Ingestion;

/// <summary>PDF → one section per page (PdfPig, reading order by its content-order extractor), so citations carry the page.</summary>
internal static class PdfExtractor
{
    public static ExtractedDocument Extract(string fileName, byte[] content)
    {
        try
        {
            using PdfDocument pdf = PdfDocument.Open(content);
            var sections = new List<DocumentSection>(pdf.NumberOfPages);
            foreach (Page page in pdf.GetPages())
            {
                sections.Add(new DocumentSection(TextExtractor.Normalize(ContentOrderTextExtractor.GetText(page)), page.Number, null));
            }

            return new ExtractedDocument(DocumentFormats.Pdf, sections);
        }
        catch (PdfDocumentEncryptedException ex)
        {
            throw new DocumentRejectedException("unreadable_document", $"{fileName}: the PDF is encrypted (remove the password first)", ex);
        }
        catch (Exception ex) when (ex is PdfDocumentFormatException or UglyToad.PdfPig.Fonts.InvalidFontFormatException or UglyToad.PdfPig.Fonts.CorruptCompressedDataException or InvalidOperationException or ArgumentException or IndexOutOfRangeException or NullReferenceException or InvalidCastException or FormatException or OverflowException or KeyNotFoundException)
        {
            // PdfPig reports damaged files with a range of exception types; all of them mean "cannot read this PDF".
            throw new DocumentRejectedException("unreadable_document", $"{fileName}: damaged PDF ({ex.Message})", ex);
        }
    }
}
