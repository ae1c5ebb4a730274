using System.CommandLine;
using System.Text;
using System.Text.Json;
using Aegis.Cli.Tls;
using Aegis.Node.Security;

namespace Aegis.Cli.Commands;

/// <summary>`aegis status`, `aegis tx put|get|del`, `aegis block`: thin HTTP clients that print the node's JSON answer.</summary>
public static class ClientCommands
{
    private static Option<string> Url() => new("--url", "-u") { Description = "a node's API URL (https:// for a TLS node)", DefaultValueFactory = _ => "http://127.0.0.1:26601" };

    /// <summary>--cacert and --token, which every client verb takes.</summary>
    private sealed record Access(Option<string?> CaCert, Option<string?> Token)
    {
        public static Access Create() => new(
            new Option<string?>("--cacert") { Description = "PEM CA certificate that a TLS node's certificate must chain to (e.g. DIR/ca.crt of 'aegis testnet --tls')" },
            new Option<string?>("--token") { Description = "bearer token when the node requires authentication ('aegis token' mints one)" });

        public void AddTo(Command command)
        {
            command.Options.Add(CaCert);
            command.Options.Add(Token);
        }
    }

    public static Command Status()
    {
        Option<string> url = Url();
        Access access = Access.Create();
        var command = new Command("status", "print a node's status") { url };
        access.AddTo(command);
        command.SetAction((parse, ct) => SendAsync("status", parse, access, parse.GetValue(url)!, HttpMethod.Get, "/status", null, ct));
        return command;
    }

    public static Command Block()
    {
        Option<string> url = Url();
        Access access = Access.Create();
        var height = new Argument<string>("height") { Description = "a block height, or 'latest'" };
        var command = new Command("block", "print a block with its certificate") { height, url };
        access.AddTo(command);
        command.SetAction((parse, ct) => SendAsync("block", parse, access, parse.GetValue(url)!, HttpMethod.Get, $"/v1/blocks/{Uri.EscapeDataString(parse.GetValue(height)!)}", null, ct));
        return command;
    }

    public static Command Tx()
    {
        Option<string> url = Url();
        Access access = Access.Create();
        var key = new Argument<string>("key");
        var value = new Argument<string>("value");
        var wait = new Option<bool>("--wait", "-w") { Description = "wait until the transaction is committed" };
        var id = new Option<string?>("--id") { Description = "client idempotency token" };

        var put = new Command("put", "set KEY to VALUE") { key, value, url, wait, id };
        access.AddTo(put);
        put.SetAction((parse, ct) => SendAsync("tx put", parse, access, parse.GetValue(url)!, HttpMethod.Post, parse.GetValue(wait) ? "/v1/tx?wait=commit" : "/v1/tx", Body(new() { ["op"] = "put", ["key"] = parse.GetValue(key), ["value"] = parse.GetValue(value), ["id"] = parse.GetValue(id) }), ct));

        var delKey = new Argument<string>("key");
        var del = new Command("del", "delete KEY") { delKey, url, wait, id };
        access.AddTo(del);
        del.SetAction((parse, ct) => SendAsync("tx del", parse, access, parse.GetValue(url)!, HttpMethod.Post, parse.GetValue(wait) ? "/v1/tx?wait=commit" : "/v1/tx", Body(new() { ["op"] = "del", ["key"] = parse.GetValue(delKey), ["id"] = parse.GetValue(id) }), ct));

        var getKey = new Argument<string>("key");
        var minHeight = new Option<ulong?>("--min-height") { Description = "answer only once the node has applied this height (read your own write on any node)" };
        var get = new Command("get", "read KEY") { getKey, url, minHeight };
        access.AddTo(get);
        get.SetAction((parse, ct) => SendAsync("tx get", parse, access, parse.GetValue(url)!, HttpMethod.Get, $"/v1/kv/{Uri.EscapeDataString(parse.GetValue(getKey)!)}{(parse.GetValue(minHeight) is { } h ? $"?min_height={h}" : "")}", null, ct));

        return new Command("tx", "client operations on the key-value store") { put, get, del };
    }

    private static string Body(Dictionary<string, string?> fields)
    {
        var json = new StringBuilder("{");
        foreach ((string k, string? v) in fields.Where(kv => kv.Value is not null))
        {
            json.Append(json.Length > 1 ? "," : "").Append(JsonSerializer.Serialize(k, CliJson.Default.String)).Append(':').Append(JsonSerializer.Serialize(v, CliJson.Default.String));
        }

        return json.Append('}').ToString();
    }

    private static async Task<int> SendAsync(string verb, ParseResult parse, Access access, string url, HttpMethod method, string path, string? body, CancellationToken ct)
    {
        try
        {
            using HttpClient http = ApiHttp.Create(parse.GetValue(access.CaCert), TimeSpan.FromSeconds(60));
            using var request = new HttpRequestMessage(method, Combine(url, path));
            if (body is not null)
            {
                request.Content = new StringContent(body, Encoding.UTF8, "application/json");
            }

            if (parse.GetValue(access.Token) is { } token)
            {
                request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            }

            using HttpResponseMessage response = await http.SendAsync(request, ct);
            return await PrintAsync(verb, response, ct);
        }
        catch (IOException ex) when (ex.Message.StartsWith("--cacert", StringComparison.Ordinal))
        {
            return CliErrors.Report(verb, [ex.Message]);
        }
        catch (Exception ex) when (ex is HttpRequestException or UriFormatException or TaskCanceledException)
        {
            return CliErrors.Fail(verb, $"cannot reach {url}: {ex.Message}{(ex.InnerException is { } inner ? $" ({inner.Message})" : "")}");
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
