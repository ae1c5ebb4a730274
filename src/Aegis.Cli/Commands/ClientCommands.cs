using System.CommandLine;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Aegis.Cli.Commands;

/// <summary>`aegis status`, `aegis tx put|get|del`, `aegis block`: thin HTTP clients that print the node's JSON answer.</summary>
public static class ClientCommands
{
    private static Option<string> Url() => new("--url", "-u") { Description = "a node's API URL", DefaultValueFactory = _ => "http://127.0.0.1:26601" };

    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(60) };

    public static Command Status()
    {
        Option<string> url = Url();
        var command = new Command("status", "print a node's status") { url };
        command.SetAction((parse, ct) => GetAsync("status", parse.GetValue(url)!, "/status", ct));
        return command;
    }

    public static Command Block()
    {
        Option<string> url = Url();
        var height = new Argument<string>("height") { Description = "a block height, or 'latest'" };
        var command = new Command("block", "print a block with its certificate") { height, url };
        command.SetAction((parse, ct) => GetAsync("block", parse.GetValue(url)!, $"/v1/blocks/{Uri.EscapeDataString(parse.GetValue(height)!)}", ct));
        return command;
    }

    public static Command Tx()
    {
        Option<string> url = Url();
        var key = new Argument<string>("key");
        var value = new Argument<string>("value");
        var wait = new Option<bool>("--wait", "-w") { Description = "wait until the transaction is committed" };
        var id = new Option<string?>("--id") { Description = "client idempotency token" };
        var token = new Option<string?>("--token") { Description = "bearer token when the node requires authentication" };

        var put = new Command("put", "set KEY to VALUE") { key, value, url, wait, id, token };
        put.SetAction((parse, ct) => PostAsync("tx put", parse.GetValue(url)!, new Dictionary<string, string?> { ["op"] = "put", ["key"] = parse.GetValue(key), ["value"] = parse.GetValue(value), ["id"] = parse.GetValue(id) }, parse.GetValue(wait), parse.GetValue(token), ct));

        var delKey = new Argument<string>("key");
        var del = new Command("del", "delete KEY") { delKey, url, wait, id, token };
        del.SetAction((parse, ct) => PostAsync("tx del", parse.GetValue(url)!, new Dictionary<string, string?> { ["op"] = "del", ["key"] = parse.GetValue(delKey), ["id"] = parse.GetValue(id) }, parse.GetValue(wait), parse.GetValue(token), ct));

        var getKey = new Argument<string>("key");
        var get = new Command("get", "read KEY") { getKey, url };
        get.SetAction((parse, ct) => GetAsync("tx get", parse.GetValue(url)!, $"/v1/kv/{Uri.EscapeDataString(parse.GetValue(getKey)!)}", ct));

        return new Command("tx", "client operations on the key-value store") { put, get, del };
    }

    private static async Task<int> GetAsync(string verb, string url, string path, CancellationToken ct)
    {
        try
        {
            using HttpResponseMessage response = await Http.GetAsync(Combine(url, path), ct);
            return await PrintAsync(verb, response, ct);
        }
        catch (Exception ex) when (ex is HttpRequestException or UriFormatException or TaskCanceledException)
        {
            return CliErrors.Fail(verb, $"cannot reach {url}: {ex.Message}");
        }
    }

    private static async Task<int> PostAsync(string verb, string url, Dictionary<string, string?> body, bool wait, string? token, CancellationToken ct)
    {
        var json = new StringBuilder("{");
        foreach ((string k, string? v) in body.Where(kv => kv.Value is not null))
        {
            json.Append(json.Length > 1 ? "," : "").Append(JsonSerializer.Serialize(k, CliJson.Default.String)).Append(':').Append(JsonSerializer.Serialize(v, CliJson.Default.String));
        }

        json.Append('}');
        using var request = new HttpRequestMessage(HttpMethod.Post, Combine(url, wait ? "/v1/tx?wait=commit" : "/v1/tx")) { Content = new StringContent(json.ToString(), Encoding.UTF8, "application/json") };
        if (token is not null)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }

        try
        {
            using HttpResponseMessage response = await Http.SendAsync(request, ct);
            return await PrintAsync(verb, response, ct);
        }
        catch (Exception ex) when (ex is HttpRequestException or UriFormatException or TaskCanceledException)
        {
            return CliErrors.Fail(verb, $"cannot reach {url}: {ex.Message}");
        }
    }

    private static async Task<int> PrintAsync(string verb, HttpResponseMessage response, CancellationToken ct)
    {
        string text = await response.Content.ReadAsStringAsync(ct);
        if (response.IsSuccessStatusCode)
        {
            Console.WriteLine(Pretty(text));
            return CliApp.Ok;
        }

        return CliErrors.Fail(verb, $"{(int)response.StatusCode} {response.ReasonPhrase}: {text}");
    }

    private static string Pretty(string json)
    {
        try
        {
            using JsonDocument doc = JsonDocument.Parse(json);
            return JsonSerializer.Serialize(doc.RootElement, CliJson.Default.JsonElement);
        }
        catch (JsonException)
        {
            return json;
        }
    }

    private static Uri Combine(string url, string path) => new(new Uri(url.TrimEnd('/') + "/"), path.TrimStart('/'));
}

[System.Text.Json.Serialization.JsonSourceGenerationOptions(WriteIndented = true)]
[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
[System.Text.Json.Serialization.JsonSerializable(typeof(JsonElement))]
internal sealed partial class CliJson : System.Text.Json.Serialization.JsonSerializerContext;
