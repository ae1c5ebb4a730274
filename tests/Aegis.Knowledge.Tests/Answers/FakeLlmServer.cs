using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Aegis.Knowledge.Tests.Answers;

/// <summary>
/// A fake language-model server on 127.0.0.1 speaking three providers' streaming wire formats (OpenAI chat
/// completions SSE, Ollama /api/chat NDJSON, Anthropic messages SSE). It answers with <see cref="Pieces"/> and keeps
/// every request (path, headers, body) so tests can check what the service sent.
/// </summary>
public sealed class FakeLlmServer : IAsyncDisposable
{
    public static readonly string[] Pieces = ["The seals are replaced ", "when pressure drops below 80 bar ", "[1]."];

    private readonly WebApplication _app;

    private FakeLlmServer(WebApplication app) => _app = app;

    public ConcurrentQueue<(string Path, Dictionary<string, string> Headers, JsonObject Body)> Requests { get; } = new();

    public string Url => _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

    public static async Task<FakeLlmServer> StartAsync()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        WebApplication app = builder.Build();
        var fake = new FakeLlmServer(app);
        app.MapPost("/v1/chat/completions", async (HttpContext h) =>
        {
            await fake.RecordAsync(h);
            h.Response.ContentType = "text/event-stream";
            foreach (string p in Pieces)
            {
                await h.Response.WriteAsync($"data: {{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"fake\",\"choices\":[{{\"index\":0,\"delta\":{{\"role\":\"assistant\",\"content\":{JsonValue.Create(p).ToJsonString()}}},\"finish_reason\":null}}]}}\n\n");
            }

            await h.Response.WriteAsync("data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"fake\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n");
        });
        app.MapPost("/api/chat", async (HttpContext h) =>
        {
            await fake.RecordAsync(h);
            h.Response.ContentType = "application/x-ndjson";
            foreach (string p in Pieces)
            {
                await h.Response.WriteAsync($"{{\"model\":\"fake\",\"created_at\":\"2026-01-01T00:00:00Z\",\"message\":{{\"role\":\"assistant\",\"content\":{JsonValue.Create(p).ToJsonString()}}},\"done\":false}}\n");
            }

            await h.Response.WriteAsync("{\"model\":\"fake\",\"created_at\":\"2026-01-01T00:00:00Z\",\"message\":{\"role\":\"assistant\",\"content\":\"\"},\"done\":true,\"done_reason\":\"stop\",\"eval_count\":3}\n");
        });
        app.MapPost("/v1/messages", async (HttpContext h) =>
        {
            await fake.RecordAsync(h);
            h.Response.ContentType = "text/event-stream";
            await Event(h, "message_start", """{"type":"message_start","message":{"id":"m1","type":"message","role":"assistant","model":"fake","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":10,"output_tokens":1}}}""");
            await Event(h, "content_block_start", """{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}""");
            foreach (string p in Pieces)
            {
                await Event(h, "content_block_delta", $"{{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{{\"type\":\"text_delta\",\"text\":{JsonValue.Create(p).ToJsonString()}}}}}");
            }

            await Event(h, "content_block_stop", """{"type":"content_block_stop","index":0}""");
            await Event(h, "message_delta", """{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":12}}""");
            await Event(h, "message_stop", """{"type":"message_stop"}""");
        });
        await app.StartAsync();
        return fake;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static async Task Event(HttpContext h, string name, string data) => await h.Response.WriteAsync($"event: {name}\ndata: {data}\n\n");

    private async Task RecordAsync(HttpContext h)
    {
        JsonObject body = (await JsonNode.ParseAsync(h.Request.Body))!.AsObject();
        // Copied: Kestrel reuses the header collection once the request ends.
        Requests.Enqueue((h.Request.Path, h.Request.Headers.ToDictionary(x => x.Key, x => x.Value.ToString(), StringComparer.OrdinalIgnoreCase), body));
    }
}
