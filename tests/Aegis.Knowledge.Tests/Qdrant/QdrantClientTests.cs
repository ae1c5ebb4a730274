using System.Diagnostics;
using System.Net;
using System.Text;
using Aegis.Knowledge.Tests.Support;

namespace Aegis.Knowledge.Tests.Qdrant;

/// <summary>
/// Qdrant's own JavaScript client (@qdrant/js-client-rest 1.15.1, installed by `npm ci` in Qdrant/client, which
/// .ci/install/60-knowledge.sh runs) against the service's /qdrant API: collections, upsert, search and query with
/// filters, scroll, retrieve, count, delete, errors, and the access rules on the document collections.
/// </summary>
[Collection(ModelCollection.Name)]
public sealed class QdrantClientTests(ModelFixture model)
{
    private static string ClientDir => Path.Combine(RepositoryPaths.Root, "tests", "Aegis.Knowledge.Tests", "Qdrant", "client");

    [Fact]
    public async Task The_qdrant_javascript_client_works_against_our_api()
    {
        if (!Directory.Exists(Path.Combine(ClientDir, "node_modules", "@qdrant", "js-client-rest")))
        {
            Assert.False(RepositoryPaths.IsCi, $"CI=true but {ClientDir}/node_modules is missing: .ci/install/60-knowledge.sh must run 'npm ci' there");
            return; // locally: run 'npm ci' in tests/Aegis.Knowledge.Tests/Qdrant/client to include this test
        }

        using var dir = new TempDirectory();
        await using TestServer server = await TestServer.StartAsync(model.Embedder, TestServer.DefaultConfig(dir.Path));
        using HttpClient alice = server.Client("alice");
        using HttpClient bob = server.Client("bob");
        Assert.Equal(HttpStatusCode.Created, (await TestServer.UploadAsync(alice, "shared.txt", Encoding.UTF8.GetBytes("Shared notes on rain in London."), "general_knowledge")).StatusCode);
        using HttpResponseMessage personal = await TestServer.UploadAsync(bob, "bob.txt", Encoding.UTF8.GetBytes("Bob's private notes."), "personal_knowledge");
        string bobDoc = (string)(await TestServer.JsonAsync(personal))["doc_id"]!;

        var start = new ProcessStartInfo("node", [Path.Combine(ClientDir, "qdrant-test.mjs")])
        {
            WorkingDirectory = ClientDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment =
            {
                ["AEGIS_URL"] = server.BaseAddress.ToString().TrimEnd('/'),
                ["AEGIS_TOKEN"] = Hosting.KnowledgeTokens.Mint(TestServer.Secret, "alice", [], TimeSpan.FromMinutes(10)),
                ["AEGIS_PERSONAL_DOC"] = bobDoc,
            },
        };
        using Process node = Process.Start(start)!;
        Task<string> stdout = node.StandardOutput.ReadToEndAsync();
        Task<string> stderr = node.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await node.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            node.Kill(true);
            throw;
        }

        string output = await stdout + await stderr;
        Assert.True(node.ExitCode == 0, output);
        Assert.Contains("all checks passed", output, StringComparison.Ordinal);
        Assert.DoesNotContain("incompatible", output, StringComparison.Ordinal);

        // The client's collection is gone, and bob's chunk was there all along (hidden from alice, not absent).
        Assert.Null(server.Server.Service.Catalog.Find("js_client_points"));
        Assert.Contains(server.Server.Service.Catalog.Find("personal_knowledge")!.Value.Index.Where(_ => true), p => p.DocId == bobDoc);
    }
}
