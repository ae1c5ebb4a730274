using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Aegis.Knowledge.Configuration;
using Aegis.Knowledge.Embeddings;
using Aegis.Knowledge.Hosting;

namespace Aegis.Knowledge.Tests.Support;

/// <summary>A real knowledge service on 127.0.0.1 (a free port), storing in a temp dir, with JWT authentication on.</summary>
public sealed class TestServer : IAsyncDisposable
{
    public const string Secret = "test-secret-0123456789abcdef0123456789";

    private TestServer(KnowledgeServer server, KnowledgeConfig config)
    {
        Server = server;
        Config = config;
    }

    public KnowledgeServer Server { get; }

    public KnowledgeConfig Config { get; }

    public Uri BaseAddress => Server.BaseAddress;

    public static KnowledgeConfig DefaultConfig(string dataDir) => new()
    {
        Service = new ServiceSection { DataDir = dataDir },
        Api = new KnowledgeApiSection { Host = "127.0.0.1", Port = 0, MaxUploadBytes = 2 * 1024 * 1024 },
        Security = new KnowledgeSecuritySection { Authentication = true, JwtSecret = Secret },
        Ingest = new IngestSection { ChunkTokens = 64, ChunkOverlapTokens = 8 },
        Logging = new KnowledgeLoggingSection { Level = "WARNING" },
    };

    public static async Task<TestServer> StartAsync(IEmbedder embedder, KnowledgeConfig config) =>
        new(await KnowledgeHost.StartAsync(config, CancellationToken.None, embedder), config);

    public HttpClient Client(string? subject, params string[] areas)
    {
        var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromMinutes(3) };
        if (subject is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", KnowledgeTokens.Mint(Secret, subject, areas, TimeSpan.FromMinutes(30)));
        }

        return http;
    }

    public static async Task<HttpResponseMessage> UploadAsync(HttpClient http, string fileName, byte[] content, string collection, string? area = null)
    {
        using var form = new MultipartFormDataContent();
        form.Add(new ByteArrayContent(content), "file", fileName);
        form.Add(new StringContent(collection), "collection");
        if (area is not null)
        {
            form.Add(new StringContent(area), "area_id");
        }

        return await http.PostAsync("api/v1/documents", form);
    }

    public static async Task<JsonObject> AskAsync(HttpClient http, string question, string? collection = null, string? area = null)
    {
        using HttpResponseMessage r = await http.PostAsJsonAsync("api/v1/query", new Dictionary<string, object?> { ["query"] = question, ["collection"] = collection, ["area_id"] = area, ["top_k"] = 3 });
        string body = await r.Content.ReadAsStringAsync();
        Assert.True(r.IsSuccessStatusCode, body);
        return JsonNode.Parse(body)!.AsObject();
    }

    public static async Task<JsonObject> JsonAsync(HttpResponseMessage r) => JsonNode.Parse(await r.Content.ReadAsStringAsync())!.AsObject();

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}
