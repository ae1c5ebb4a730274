using System.IO.Packaging;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Wordprocessing;

namespace Aegis.Knowledge.Ingestion;

/// <summary>DOCX → one section per heading (Open XML SDK): paragraphs and table cells in document order.</summary>
internal static class DocxExtractor
{
    public static ExtractedDocument Extract(string fileName, byte[] content)
    {
        try
        {
            using var stream = new MemoryStream(content, writable: false);
            using WordprocessingDocument doc = WordprocessingDocument.Open(stream, false);
            Body body = doc.MainDocumentPart?.Document?.Body
                ?? throw new DocumentRejectedException("unreadable_document", $"{fileName}: the DOCX has no document body");
            var sections = new List<DocumentSection>();
            var text = new System.Text.StringBuilder();
            string? heading = null;
            foreach (Paragraph p in body.Descendants<Paragraph>())
            {
                string line = p.InnerText.Trim();
                if (line.Length == 0)
                {
                    continue;
                }

                string? style = p.ParagraphProperties?.ParagraphStyleId?.Val?.Value;
                if (style is not null && (style.StartsWith("Heading", StringComparison.OrdinalIgnoreCase) || style.Equals("Title", StringComparison.OrdinalIgnoreCase)))
                {
                    Flush();
                    heading = line;
                }

                text.Append(line).Append("\n\n");
            }

            Flush();
            return new ExtractedDocument(DocumentFormats.Docx, sections);

            void Flush()
            {
                if (text.Length > 0)
                {
                    sections.Add(new DocumentSection(TextExtractor.Normalize(text.ToString()), null, heading));
                    text.Clear();
                }
            }
        }
        catch (Exception ex) when (ex is OpenXmlPackageException or FileFormatException or InvalidDataException or IOException or InvalidOperationException or System.Xml.XmlException)
        {
            throw new DocumentRejectedException("unreadable_document", $"{fileName}: damaged DOCX ({ex.Message})", ex);
        }
    }
}
