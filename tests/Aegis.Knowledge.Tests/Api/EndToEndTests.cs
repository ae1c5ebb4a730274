using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Aegis.Knowledge.Tests.Support;

namespace Aegis.Knowledge.Tests.Api;

/// <summary>The contract's path through real HTTP: upload a PDF and a DOCX, ask, follow the citations, and check who sees what.</summary>
[Collection(ModelCollection.Name)]
public sealed class EndToEndTests(ModelFixture model) : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _dir = new();
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync(model.Embedder, TestServer.DefaultConfig(_dir.Path));

    public void Dispose() => _dir.Dispose();

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task Uploaded_pdf_and_docx_are_cited_and_a_personal_document_stays_private()
    {
        using HttpClient alice = _server.Client("alice");
        using HttpClient bob = _server.Client("bob");

        byte[] pdf = TestDocuments.Pdf(
            ["Maintenance manual for the test rig.", "Lubricate the main bearing every 200 hours."],
            ["The hydraulic pump must be inspected monthly.", "Replace the pump seals when the pressure drops below 80 bar."]);
        using HttpResponseMessage up1 = await TestServer.UploadAsync(alice, "rig-manual.pdf", pdf, "general_knowledge");
        Assert.Equal(HttpStatusCode.Created, up1.StatusCode);
        JsonObject pdfDoc = await TestServer.JsonAsync(up1);
        Assert.True((int)pdfDoc["chunks"]! >= 2);

        byte[] docx = TestDocuments.Docx(("Salary review", ["Alice's salary review is scheduled for the third week of March.", "Her manager proposed a raise of seven percent."]));
        using HttpResponseMessage up2 = await TestServer.UploadAsync(alice, "alice-hr.docx", docx, "personal_knowledge");
        Assert.Equal(HttpStatusCode.Created, up2.StatusCode);
        string docxId = (string)(await TestServer.JsonAsync(up2))["doc_id"]!;

        // The PDF answer cites page 2 of the PDF, quoting its text.
        JsonObject answer = await TestServer.AskAsync(bob, "When should the pump seals be replaced?");
        JsonObject first = answer["sources"]![0]!.AsObject();
        Assert.Equal((string)pdfDoc["doc_id"]!, (string)first["doc_id"]!);
        Assert.Equal("rig-manual.pdf", (string)first["file_name"]!);
        Assert.Equal(2, (int)first["page"]!);
        Assert.Equal(1, (int)first["citation"]!);
        Assert.Contains("pump seals", (string)first["text"]!, StringComparison.Ordinal);
        Assert.Contains("pump seals", (string)answer["answer"]!, StringComparison.Ordinal);
        Assert.Contains("[1]", (string)answer["answer"]!, StringComparison.Ordinal);

        // Alice's personal DOCX answers her question with a citation into it.
        JsonObject mine = await TestServer.AskAsync(alice, "When is the salary review?", "personal_knowledge");
        Assert.Equal(docxId, (string)mine["sources"]![0]!["doc_id"]!);
        Assert.Equal("Salary review", (string)mine["sources"]![0]!["heading"]!);
        Assert.Contains("third week of March", (string)mine["answer"]!, StringComparison.Ordinal);

        // Bob sees nothing of it: not in answers, not in the list, not by id, cannot delete it.
        JsonObject theirs = await TestServer.AskAsync(bob, "When is the salary review?", "personal_knowledge");
        Assert.Empty(theirs["sources"]!.AsArray());
        JsonObject everywhere = await TestServer.AskAsync(bob, "Alice salary review raise seven percent");
        Assert.DoesNotContain(everywhere["sources"]!.AsArray(), s => (string)s!["doc_id"]! == docxId);
        JsonObject bobList = JsonNode.Parse(await bob.GetStringAsync("api/v1/documents"))!.AsObject();
        Assert.DoesNotContain(bobList["documents"]!.AsArray(), d => (string)d!["doc_id"]! == docxId);
        Assert.Contains(bobList["documents"]!.AsArray(), d => (string)d!["doc_id"]! == (string)pdfDoc["doc_id"]!);
        Assert.Equal(HttpStatusCode.NotFound, (await bob.GetAsync($"api/v1/documents/{docxId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await bob.DeleteAsync($"api/v1/documents/{docxId}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await bob.DeleteAsync($"api/v1/documents/{(string)pdfDoc["doc_id"]!}")).StatusCode);

        // The original is kept as uploaded, for its readers only.
        Assert.Equal(docx, await alice.GetByteArrayAsync($"api/v1/documents/{docxId}/original"));

        // Deleting removes it from answers.
        Assert.Equal(HttpStatusCode.OK, (await alice.DeleteAsync($"api/v1/documents/{docxId}")).StatusCode);
        Assert.Empty((await TestServer.AskAsync(alice, "When is the salary review?", "personal_knowledge"))["sources"]!.AsArray());
    }

    [Fact]
    public async Task Area_documents_are_readable_by_members_only()
    {
        using HttpClient carol = _server.Client("carol", "engineering");
        using HttpClient dave = _server.Client("dave", "engineering", "sales");
        using HttpClient erin = _server.Client("erin", "sales");
        using HttpResponseMessage up = await TestServer.UploadAsync(carol, "roadmap.md", Encoding.UTF8.GetBytes("# Roadmap\n\nThe turbofan redesign ships in the autumn release.\n"), "general_knowledge", "engineering");
        Assert.Equal(HttpStatusCode.Created, up.StatusCode);
        Assert.NotEmpty((await TestServer.AskAsync(dave, "when does the turbofan redesign ship?"))["sources"]!.AsArray());
        Assert.Empty((await TestServer.AskAsync(erin, "when does the turbofan redesign ship?"))["sources"]!.AsArray());
        using HttpResponseMessage forbidden = await TestServer.UploadAsync(erin, "x.md", Encoding.UTF8.GetBytes("text"), "general_knowledge", "engineering");
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        using HttpResponseMessage ask = await erin.PostAsync("api/v1/query", new StringContent("""{"query":"turbofan","area_id":"engineering"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Forbidden, ask.StatusCode);
    }

    [Fact]
    public async Task A_bad_file_gets_a_clear_error_and_leaves_nothing_behind()
    {
        using HttpClient alice = _server.Client("alice");
        byte[] pdf = TestDocuments.Pdf(["A page that will be cut in half."]);
        using HttpResponseMessage r = await TestServer.UploadAsync(alice, "cut.pdf", pdf[..(pdf.Length / 2)], "general_knowledge");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, r.StatusCode);
        JsonObject error = await TestServer.JsonAsync(r);
        Assert.Equal("unreadable_document", (string)error["error"]!);
        Assert.Contains("cut.pdf", (string)error["message"]!, StringComparison.Ordinal);
        using HttpResponseMessage png = await TestServer.UploadAsync(alice, "photo.png", [0x89, 0x50, 0x4E, 0x47], "general_knowledge");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, png.StatusCode);
        using HttpResponseMessage badName = await TestServer.UploadAsync(alice, "a.txt", "hello"u8.ToArray(), "../etc");
        Assert.Equal(HttpStatusCode.BadRequest, badName.StatusCode);

        Assert.Empty(JsonNode.Parse(await alice.GetStringAsync("api/v1/documents"))!["documents"]!.AsArray());
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_dir.Path, "originals")));
        Assert.Equal(0, _server.Server.Service.Catalog.PointCount);
    }

    [Fact]
    public async Task Requests_without_a_valid_token_are_refused_with_401()
    {
        using HttpClient anonymous = _server.Client(null);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("api/v1/documents")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("qdrant/collections")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("health")).StatusCode);

        string forged = Hosting.KnowledgeTokens.Mint("another-secret-0123456789abcdef0123456", "alice", [], TimeSpan.FromMinutes(5));
        string expired = Hosting.KnowledgeTokens.Mint(TestServer.Secret, "alice", [], TimeSpan.FromMinutes(-10));
        string unsigned = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJhbGljZSIsImV4cCI6NDEwMjQ0NDgwMH0.";
        foreach (string token in new[] { forged, expired, unsigned })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "api/v1/documents");
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            using HttpResponseMessage r = await anonymous.SendAsync(request);
            Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
            Assert.Equal("Bearer error=\"invalid_token\"", r.Headers.WwwAuthenticate.ToString());
            JsonObject error = await TestServer.JsonAsync(r);
            Assert.Equal("unauthorized", (string)error["error"]!);
            Assert.DoesNotContain("IDX", (string)error["message"]!, StringComparison.Ordinal);
        }

        // Each refusal is counted under its reason, as the node counts its own.
        string metrics = await anonymous.GetStringAsync("metrics");
        // The "expired" token above has nbf = now after its exp, which the handler refuses as an invalid lifetime.
        Assert.True(AuthFailures(metrics, "missing") >= 2, metrics);
        Assert.True(AuthFailures(metrics, "bad_signature") >= 2, metrics);
        Assert.True(AuthFailures(metrics, "invalid") >= 1, metrics);
        Assert.True(AuthFailures(metrics, "wrong_audience") == 0, metrics);
    }

    private static double AuthFailures(string metrics, string reason)
    {
        string prefix = $"aegis_api_auth_failures_total{{reason=\"{reason}\"}} ";
        string line = metrics.Split('\n').Single(l => l.StartsWith(prefix, StringComparison.Ordinal));
        return double.Parse(line[prefix.Length..], System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task The_stream_sends_sources_then_tokens_then_the_whole_answer()
    {
        using HttpClient alice = _server.Client("alice");
        using HttpResponseMessage up = await TestServer.UploadAsync(alice, "notes.txt", Encoding.UTF8.GetBytes("The wind tunnel runs at Mach 3 on Tuesdays.\n\nThe cafeteria closes at noon."), "general_knowledge");
        Assert.Equal(HttpStatusCode.Created, up.StatusCode);
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/v1/query/stream") { Content = new StringContent("""{"query":"When does the wind tunnel run?"}""", Encoding.UTF8, "application/json") };
        using HttpResponseMessage r = await alice.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", r.Content.Headers.ContentType!.MediaType);
        string[] lines = (await r.Content.ReadAsStringAsync()).Split('\n');
        string[] events = lines.Where(l => l.StartsWith("event: ", StringComparison.Ordinal)).Select(l => l[7..]).ToArray();
        Assert.Equal("sources", events[0]);
        Assert.Equal("done", events[^1]);
        Assert.Contains("token", events);
        JsonNode done = JsonNode.Parse(lines.Last(l => l.StartsWith("data: ", StringComparison.Ordinal))[6..])!;
        Assert.Contains("Mach 3", (string)done["answer"]!, StringComparison.Ordinal);
        JsonObject whole = await TestServer.AskAsync(alice, "When does the wind tunnel run?");
        Assert.Equal((string)whole["answer"]!, (string)done["answer"]!);
    }

    [Fact]
    public async Task Documents_survive_a_restart_because_the_index_is_rebuilt_from_storage()
    {
        using (HttpClient alice = _server.Client("alice"))
        {
            using HttpResponseMessage up = await TestServer.UploadAsync(alice, "a.md", Encoding.UTF8.GetBytes("# Ops\n\nThe backup job runs nightly at two."), "personal_knowledge");
            Assert.Equal(HttpStatusCode.Created, up.StatusCode);
        }

        await _server.DisposeAsync();
        _server = await TestServer.StartAsync(model.Embedder, TestServer.DefaultConfig(_dir.Path));
        using HttpClient again = _server.Client("alice");
        JsonObject answer = await TestServer.AskAsync(again, "when does the backup job run?", "personal_knowledge");
        Assert.Equal("a.md", (string)answer["sources"]![0]!["file_name"]!);
    }

    [Fact]
    public async Task Two_concurrent_deletes_of_one_document_remove_it_once()
    {
        using HttpClient alice = _server.Client("alice");
        using HttpResponseMessage up = await TestServer.UploadAsync(alice, "twice.txt", Encoding.UTF8.GetBytes("Deleted twice at once."), "general_knowledge");
        string id = (string)(await TestServer.JsonAsync(up))["doc_id"]!;
        Assert.Equal(1, _server.Server.Service.DocumentCount);

        HttpResponseMessage[] deletes = await Task.WhenAll(alice.DeleteAsync($"api/v1/documents/{id}"), alice.DeleteAsync($"api/v1/documents/{id}"));
        Assert.Single(deletes, r => r.StatusCode == HttpStatusCode.OK);
        Assert.Single(deletes, r => r.StatusCode == HttpStatusCode.NotFound);
        Assert.Equal(0, _server.Server.Service.DocumentCount);
        foreach (HttpResponseMessage r in deletes)
        {
            r.Dispose();
        }
    }

    [Fact]
    public async Task Bad_query_bodies_name_the_field()
    {
        using HttpClient alice = _server.Client("alice");
        (string Body, string Field)[] cases = [("""{"top_k":3}""", "query"), ("""{"query":"x","top_k":0}""", "top_k"), ("""{"query":7}""", "query"), ("not json", "body"), ("""{"query":"x","collection":"nope"}""", "nope")];
        foreach ((string body, string field) in cases)
        {
            using HttpResponseMessage r = await alice.PostAsync("api/v1/query", new StringContent(body, Encoding.UTF8, "application/json"));
            Assert.True(r.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.NotFound, body);
            Assert.Contains(field, (string)(await TestServer.JsonAsync(r))["message"]!, StringComparison.Ordinal);
        }
    }
}
