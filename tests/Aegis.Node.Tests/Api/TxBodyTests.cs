using System.Text.Json;
using Aegis.Node.Api;
using Xunit;

namespace Aegis.Node.Tests.Api;

public class TxBodyTests
{
    // Found by the tx-json fuzz target (fuzz/regressions/tx-json): the parser checks UTF-8 only when a string is read,
    // so a field name with a stray byte threw from TxBody.Read and the API answered 500 instead of 400.
    [Theory]
    [InlineData(new byte[] { 0x7b, 0x22, 0x6f, 0x90, 0x22, 0x3a, 0x22, 0x70, 0x75, 0x74, 0x22, 0x7d })]   // {"o\x90":"put"}
    [InlineData(new byte[] { 0x7b, 0x22, 0x6b, 0x65, 0x79, 0x22, 0x3a, 0x22, 0xd6, 0x22, 0x7d })]         // {"key":"\xd6"}
    public void A_body_whose_strings_are_not_utf8_is_a_named_problem_not_an_exception(byte[] body)
    {
        using JsonDocument doc = JsonDocument.Parse(body, TxBody.Options);
        (TxRequest? request, string? problem) = TxBody.Read(doc.RootElement);
        Assert.Null(request);
        Assert.Contains("UTF-8", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_valid_body_reads_every_field()
    {
        using JsonDocument doc = JsonDocument.Parse("""{"op":"put","key":"k","value":"v","id":"1"}""", TxBody.Options);
        (TxRequest? request, string? problem) = TxBody.Read(doc.RootElement);
        Assert.Null(problem);
        Assert.Equal(("put", "k", "v", "1"), (request!.Op, request.Key, request.Value, request.Id));
    }
}
