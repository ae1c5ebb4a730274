using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Wordprocessing;
using UglyToad.PdfPig.Core;
using UglyToad.PdfPig.Fonts.Standard14Fonts;
using UglyToad.PdfPig.Writer;

namespace Aegis.Knowledge.Tests.Support;

/// <summary>Real PDF and DOCX files made in the test: PdfPig's document builder and the Open XML SDK.</summary>
public static class TestDocuments
{
    /// <summary>A PDF with one page per entry, each page's lines written top to bottom in Helvetica.</summary>
    public static byte[] Pdf(params string[][] pages)
    {
        var builder = new PdfDocumentBuilder();
        PdfDocumentBuilder.AddedFont font = builder.AddStandard14Font(Standard14Font.Helvetica);
        foreach (string[] lines in pages)
        {
            PdfPageBuilder page = builder.AddPage(UglyToad.PdfPig.Content.PageSize.A4);
            double y = 780;
            foreach (string line in lines)
            {
                page.AddText(line, 11, new PdfPoint(40, y), font);
                y -= 16;
            }
        }

        return builder.Build();
    }

    /// <summary>A DOCX: a heading (style Heading1) followed by its paragraphs, per section.</summary>
    public static byte[] Docx(params (string Heading, string[] Paragraphs)[] sections)
    {
        using var stream = new MemoryStream();
        using (var doc = WordprocessingDocument.Create(stream, WordprocessingDocumentType.Document))
        {
            MainDocumentPart main = doc.AddMainDocumentPart();
            var body = new Body();
            foreach ((string heading, string[] paragraphs) in sections)
            {
                body.Append(new Paragraph(new ParagraphProperties(new ParagraphStyleId { Val = "Heading1" }), new Run(new Text(heading))));
                foreach (string p in paragraphs)
                {
                    body.Append(new Paragraph(new Run(new Text(p) { Space = SpaceProcessingModeValues.Preserve })));
                }
            }

            main.Document = new Document(body);
        }

        return stream.ToArray();
    }
}
