using System.Net;
using System.Text.Json;
using Aegis.Cluster.Tests;
using static Aegis.Perimeter.Tests.Support.Perimeter;

namespace Aegis.Perimeter.Tests;

/// <summary>The API contract at its edges: the key alphabet, per-element batch errors, JSON errors everywhere, min_height, the OpenAPI document.</summary>
public class ApiEdgeTests
{
    [Fact]
    public async Task Every_key_that_can_be_written_reads_back_and_the_rest_is_refused_at_write_time()
    {
        CancellationToken ct = Timeout(120);
        await using var cluster = new TestCluster(validators: 1);
        await cluster.StartAsync(ct);

        string[] readable = ["plain", "a/b/c", "a b", "100%", "%2F", "a%2Fb", "q?x=1", "h#frag", "ü-ñ-日本", "emoji-🙂", "a.b", ".hidden", "...", "semi;colon", "plus+sign", "'quote\"", "<tag>", "~tilde", new string('k', 512)];
        foreach (string key in readable)
        {
            (int status, JsonElement body) = await cluster.PostTxAsync(0, key, "value-of-" + key, wait: true, ct);
            Assert.True(status == 200, $"write '{key}': {status} {body}");
            using HttpResponseMessage read = await cluster.Http.GetAsync(cluster.Url(0) + "/v1/kv/" + Uri.EscapeDataString(key), ct);
            string text = await read.Content.ReadAsStringAsync(ct);
            Assert.True(read.StatusCode == HttpStatusCode.OK, $"read '{key}': {(int)read.StatusCode} {text}");
            JsonElement kv = JsonDocument.Parse(text).RootElement;
            Assert.Equal(key, kv.GetProperty("key").GetString());
            Assert.Equal("value-of-" + key, kv.GetProperty("value").GetString());
        }

        // Keys that URL handling would rewrite or refuse: 400 at write time, naming the key.
        string[] refused = ["a\0b", "tab\there", "new\nline", "..", "../..", "a/../b", ".", "a/./b", "/leading", "trailing/", "a//b", "back\\slash", "", new string('k', 513), "\u007f", "\u0085"];
        foreach (string key in refused)
        {
            (int status, JsonElement body) = await cluster.PostTxAsync(0, key, "v", wait: false, ct);
            Assert.True(status == 400, $"write '{key}': {status} {body}");
            Assert.Equal("bad_request", body.GetProperty("error").GetString());
            Assert.StartsWith("key:", body.GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        // A JSON string with an unpaired surrogate cannot be stored as sent.
        (int lone, JsonElement loneBody) = await cluster.PostRawAsync(0, "/v1/tx", "{\"op\":\"put\",\"key\":\"\\ud800x\",\"value\":\"v\"}", ct);
        Assert.Equal(400, lone);
        Assert.Contains("surrogate", loneBody.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Errors_are_json_name_the_field_without_type_names_and_a_bad_batch_element_fails_alone()
    {
        CancellationToken ct = Timeout(120);
        await using var cluster = new TestCluster(validators: 1);
        await cluster.StartAsync(ct);

        async Task<JsonElement> Expect(HttpMethod method, string path, string? body, int status, string needle)
        {
            using var request = new HttpRequestMessage(method, cluster.Url(0) + path);
            if (body is not null)
            {
                request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
            }

            using HttpResponseMessage r = await cluster.Http.SendAsync(request, ct);
            string text = await r.Content.ReadAsStringAsync(ct);
            Assert.True((int)r.StatusCode == status, $"{method} {path}: {(int)r.StatusCode} {text}");
            Assert.StartsWith("application/json", r.Content.Headers.ContentType?.ToString() ?? "", StringComparison.Ordinal);
            JsonElement json = JsonDocument.Parse(text).RootElement;
            string message = json.GetProperty("message").GetString()!;
            Assert.False(string.IsNullOrEmpty(json.GetProperty("error").GetString()));
            Assert.Contains(needle, message, StringComparison.Ordinal);
            Assert.DoesNotContain("System.", message, StringComparison.Ordinal);
            Assert.DoesNotContain("Aegis.", message, StringComparison.Ordinal);
            return json;
        }

        await Expect(HttpMethod.Get, "/v1/kv/", null, 400, "key:");
        await Expect(HttpMethod.Delete, "/v1/tx", null, 405, "DELETE");
        await Expect(HttpMethod.Get, "/v1/nothing-here", null, 404, "/v1/nothing-here");
        await Expect(HttpMethod.Post, "/v1/tx", "{\"op\":\"put\",\"key\":\"k\",\"key\":\"other\",\"value\":\"v\"}", 400, "key: appears twice");
        await Expect(HttpMethod.Post, "/v1/tx", "{\"op\":\"put\",\"key\":\"k\",\"value\":42}", 400, "value: expected a string");
        await Expect(HttpMethod.Post, "/v1/tx", "{\"op\":\"put\",\"key\":[\"k\"],\"value\":\"v\"}", 400, "key: expected a string");
        await Expect(HttpMethod.Post, "/v1/tx", "[1,2]", 400, "expected a JSON object");
        await Expect(HttpMethod.Post, "/v1/tx", "{\"op\":\"put\",\"key\":\"k\",\"value\":\"v\",\"colour\":\"red\"}", 400, "colour: unknown field");
        await Expect(HttpMethod.Post, "/v1/tx", "{\"op\":", 400, "not valid JSON");
        await Expect(HttpMethod.Get, "/v1/kv/k?min_height=soon", null, 400, "min_height:");
        await Expect(HttpMethod.Get, "/v1/blocks/minus-one", null, 400, "height:");

        // A batch: wrong-typed, duplicated, unknown-field and non-object elements fail alone; the rest commit.
        string batch = "[{\"op\":\"put\",\"key\":\"b0\",\"value\":\"0\"}," +
            "{\"op\":\"put\",\"key\":\"b1\",\"value\":1}," +
            "{\"op\":\"put\",\"key\":\"b2\",\"key\":\"b2x\",\"value\":\"2\"}," +
            "\"not an object\"," +
            "{\"op\":\"put\",\"key\":\"b4\",\"value\":\"4\",\"extra\":true}," +
            "{\"op\":\"put\",\"key\":\"../b5\",\"value\":\"5\"}," +
            "{\"op\":\"put\",\"key\":\"b6\",\"value\":\"6\"}]";
        (int status, JsonElement answer) = await cluster.PostRawAsync(0, "/v1/txs?wait=commit", batch, ct);
        Assert.Equal(200, status);
        JsonElement[] results = [.. answer.GetProperty("results").EnumerateArray()];
        Assert.Equal(2, answer.GetProperty("accepted").GetInt32());
        Assert.True(results[0].GetProperty("height").GetUInt64() >= 1);
        Assert.True(results[6].GetProperty("height").GetUInt64() >= 1);
        string[] expected = ["[1] value: expected a string", "[2] key: appears twice", "[3] expected a JSON object", "[4] extra: unknown field", "[5] key: a '..' segment"];
        for (int i = 1; i <= 5; i++)
        {
            Assert.StartsWith(expected[i - 1], results[i].GetProperty("message").GetString(), StringComparison.Ordinal);
            Assert.Equal("bad_request", results[i].GetProperty("error").GetString());
        }

        Assert.Equal("6", (await cluster.GetAsync(0, "/v1/kv/b6", ct))!.Value.GetProperty("value").GetString());
    }

    [Fact]
    public async Task A_read_for_a_height_the_node_has_not_applied_waits_a_bounded_time_then_answers_503_with_retry_after()
    {
        CancellationToken ct = Timeout(120);
        await using var cluster = new TestCluster(validators: 1);
        // Long enough that the write below commits inside the wait on a loaded CI machine (1.5 s left 1.2 s for it).
        cluster.AddApi("min_height_wait_ms: 4000");
        await cluster.StartAsync(ct);
        (_, JsonElement put) = await cluster.PostTxAsync(0, "k", "v", wait: true, ct);
        ulong height = put.GetProperty("height").GetUInt64();

        using HttpResponseMessage now = await cluster.Http.GetAsync(cluster.Url(0) + $"/v1/kv/k?min_height={height}", ct);
        Assert.Equal(HttpStatusCode.OK, now.StatusCode);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        using HttpResponseMessage later = await cluster.Http.GetAsync(cluster.Url(0) + $"/v1/kv/k?min_height={height + 1000}", ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, later.StatusCode);
        Assert.InRange(clock.Elapsed.TotalSeconds, 3.9, 15);
        Assert.NotNull(later.Headers.RetryAfter);
        Assert.Contains("min_height", await later.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);

        // A height that commits during the wait answers as soon as it is applied.
        Task<HttpResponseMessage> waiting = cluster.Http.GetAsync(cluster.Url(0) + $"/v1/kv/k2?min_height={height + 1}", ct);
        await Task.Delay(300, ct);
        Assert.False(waiting.IsCompleted);
        await cluster.PostTxAsync(0, "k2", "v2", wait: true, ct);
        using HttpResponseMessage applied = await waiting;
        Assert.Equal(HttpStatusCode.OK, applied.StatusCode);
    }

    [Fact]
    public async Task The_openapi_document_lists_every_route_served_and_the_reference_page_serves_its_own_assets()
    {
        CancellationToken ct = Timeout(120);
        await using var cluster = new TestCluster(validators: 1);
        await cluster.StartAsync(ct);
        (_, JsonElement put) = await cluster.PostTxAsync(0, "doc", "v", wait: true, ct);

        JsonElement doc = JsonDocument.Parse(await cluster.Http.GetStringAsync(cluster.Url(0) + "/openapi/v1.json", ct)).RootElement;
        Assert.StartsWith("3.", doc.GetProperty("openapi").GetString(), StringComparison.Ordinal);
        var documented = doc.GetProperty("paths").EnumerateObject()
            .SelectMany(p => p.Value.EnumerateObject().Select(op => (Method: op.Name.ToUpperInvariant(), Path: p.Name)))
            .ToHashSet();

        // The contract's routes, each documented...
        (string Method, string Path)[] contract =
        [
            ("GET", "/health"), ("GET", "/ready"), ("GET", "/status"), ("GET", "/metrics"), ("POST", "/v1/tx"), ("POST", "/v1/txs"),
            ("GET", "/v1/kv/{key}"), ("GET", "/v1/tx/{hash}"), ("GET", "/v1/blocks/{height}"), ("GET", "/v1/peers"), ("GET", "/v1/events"),
        ];
        foreach ((string method, string path) in contract)
        {
            Assert.True(documented.Contains((method, path)), $"{method} {path} is not in the OpenAPI document: {string.Join(", ", documented)}");
        }

        // ...and every documented route served: a GET with its path parameters filled in is routed (not 404/405) and does
        // not fail (a route with required query parameters, e.g. /v1/chat/rooms?member=, may answer 400). Only the headers are
        // read, so the event streams (/v1/events, /v1/dashboard/stream) are checked too without waiting for their end.
        string txHash = put.GetProperty("tx_hash").GetString()!;
        foreach ((string method, string path) in documented.Where(d => d.Method == "GET"))
        {
            string url = path.Replace("{key}", "doc", StringComparison.Ordinal).Replace("{hash}", txHash, StringComparison.Ordinal).Replace("{height}", "1", StringComparison.Ordinal);
            using HttpResponseMessage r = await cluster.Http.GetAsync(cluster.Url(0) + url, HttpCompletionOption.ResponseHeadersRead, ct);
            Assert.True(r.StatusCode is not (HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed) && (int)r.StatusCode < 500, $"{method} {url} (documented as {path}): {(int)r.StatusCode}");
        }

        // The reference page loads only scripts the node serves itself.
        using HttpResponseMessage page = await cluster.Http.GetAsync(cluster.Url(0) + "/scalar/", ct);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        string html = await page.Content.ReadAsStringAsync(ct);
        string[] scripts = [.. System.Text.RegularExpressions.Regex.Matches(html, "src=\"([^\"]+)\"").Select(m => m.Groups[1].Value)];
        Assert.NotEmpty(scripts);
        Assert.DoesNotContain("http://", html, StringComparison.Ordinal);
        Assert.DoesNotContain("https://", html, StringComparison.Ordinal);
        Assert.Contains("\"withDefaultFonts\":false", html, StringComparison.Ordinal);
        foreach (string script in scripts)
        {
            using HttpResponseMessage js = await cluster.Http.GetAsync(cluster.Url(0) + "/scalar/" + script, ct);
            Assert.Equal(HttpStatusCode.OK, js.StatusCode);
            Assert.True((await js.Content.ReadAsByteArrayAsync(ct)).Length > 1000, script);
        }
    }
}
