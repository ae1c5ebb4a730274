using System.Text;
using Aegis.Knowledge.Ingestion;
using Aegis.Knowledge.Tests.Support;

namespace Aegis.Knowledge.Tests.Ingestion;

public class ExtractionTests
{
    [Fact]
    public void A_pdf_yields_one_section_per_page_with_its_page_number()
    {
        byte[] pdf = TestDocuments.Pdf(["Turbine blades crack under thermal fatigue."], ["Page two speaks of compressor surge."]);
        ExtractedDocument doc = TextExtractor.Extract("report.pdf", pdf);
        Assert.Equal(DocumentFormats.Pdf, doc.Format);
        Assert.Equal(2, doc.Sections.Count);
        Assert.Contains("thermal fatigue", doc.Sections[0].Text, StringComparison.Ordinal);
        Assert.Equal(1, doc.Sections[0].Page);
        Assert.Contains("compressor surge", doc.Sections[1].Text, StringComparison.Ordinal);
        Assert.Equal(2, doc.Sections[1].Page);
    }

    [Fact]
    public void A_docx_yields_sections_under_their_headings()
    {
        byte[] docx = TestDocuments.Docx(("Safety", ["Wear goggles near the lathe."]), ("Holidays", ["The office closes on the first of May."]));
        ExtractedDocument doc = TextExtractor.Extract("handbook.docx", docx);
        Assert.Equal(DocumentFormats.Docx, doc.Format);
        Assert.Equal(["Safety", "Holidays"], doc.Sections.Select(s => s.Heading));
        Assert.Contains("goggles", doc.Sections[0].Text, StringComparison.Ordinal);
        Assert.Contains("first of May", doc.Sections[1].Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Markdown_is_split_at_headings_and_loses_link_targets()
    {
        ExtractedDocument doc = TextExtractor.Extract("notes.md", Encoding.UTF8.GetBytes("# Setup\n\nRun [the installer](http://example.invalid/x) **twice**.\n\n## Usage\n\nType `aegis`.\n"));
        Assert.Equal(["Setup", "Usage"], doc.Sections.Select(s => s.Heading));
        Assert.Contains("Run the installer twice.", doc.Sections[0].Text, StringComparison.Ordinal);
        Assert.DoesNotContain("example.invalid", doc.Sections[0].Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("fake.pdf", "this is not a pdf", "unreadable_document", "does not start with %PDF-")]
    [InlineData("fake.docx", "plain words", "unreadable_document", "not a DOCX")]
    [InlineData("image.png", "\u0089PNG", "unsupported_type", "unsupported file type '.png'")]
    [InlineData("blank.txt", "   \n\n  ", "empty_document", "no text found")]
    public void Bad_uploads_are_refused_with_a_reason_naming_the_file(string name, string content, string code, string reason)
    {
        var ex = Assert.Throws<DocumentRejectedException>(() => TextExtractor.Extract(name, Encoding.UTF8.GetBytes(content)));
        Assert.Equal(code, ex.Code);
        Assert.Contains(name, ex.Message, StringComparison.Ordinal);
        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_truncated_pdf_is_refused_as_damaged()
    {
        byte[] pdf = TestDocuments.Pdf(["Some text on a page."]);
        var ex = Assert.Throws<DocumentRejectedException>(() => TextExtractor.Extract("cut.pdf", pdf[..(pdf.Length / 3)]));
        Assert.Equal("unreadable_document", ex.Code);
    }

    [Fact]
    public void A_zip_that_is_not_a_word_document_is_refused_as_damaged()
    {
        byte[] zip = [.. "PK\u0003\u0004"u8, .. new byte[64]];
        var ex = Assert.Throws<DocumentRejectedException>(() => TextExtractor.Extract("broken.docx", zip));
        Assert.Equal("unreadable_document", ex.Code);
        Assert.Contains("damaged DOCX", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Text_that_is_not_utf8_is_refused_with_the_offset()
    {
        var ex = Assert.Throws<DocumentRejectedException>(() => TextExtractor.Extract("latin1.txt", [0x63, 0x61, 0x66, 0xE9, 0x20, 0x21]));
        Assert.Contains("offset 3", ex.Message, StringComparison.Ordinal);
    }
}
