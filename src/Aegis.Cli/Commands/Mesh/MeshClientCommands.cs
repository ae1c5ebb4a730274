using System.CommandLine;
using System.Globalization;
using System.Text.Json;

namespace Aegis.Cli.Commands.Mesh;

/// <summary>`aegis mesh status|peers --url URL`: a node's management API, printed for people (or as JSON with --json).</summary>
public static class MeshClientCommands
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private static Option<string> Url() => new("--url", "-u") { Description = "the node's management API (api.listen)", DefaultValueFactory = _ => "http://127.0.0.1:8080" };

    private static Option<bool> Json() => new("--json") { Description = "print the API's JSON as is" };

    public static Command Status()
    {
        Option<string> url = Url();
        Option<bool> json = Json();
        var command = new Command("status", "a mesh node's status") { url, json };
        command.SetAction(async (parse, ct) =>
        {
            JsonDocument? doc = await GetAsync("mesh status", parse.GetValue(url)!, "/status", ct);
            if (doc is null)
            {
                return CliApp.Failure;
            }

            using (doc)
            {
                JsonElement s = doc.RootElement;
                if (parse.GetValue(json))
                {
                    Console.WriteLine(s.GetRawText());
                    return CliApp.Ok;
                }

                foreach (JsonProperty p in s.EnumerateObject())
                {
                    string value = p.Value.ValueKind == JsonValueKind.Array ? string.Join(", ", p.Value.EnumerateArray().Select(v => v.ToString())) : p.Value.ToString();
                    Console.WriteLine($"{p.Name,-16} {value}");
                }
            }

            return CliApp.Ok;
        });
        return command;
    }

    public static Command Peers()
    {
        Option<string> url = Url();
        Option<bool> json = Json();
        var command = new Command("peers", "a mesh node's peers: transport, address, latency, bytes") { url, json };
        command.SetAction(async (parse, ct) =>
        {
            JsonDocument? doc = await GetAsync("mesh peers", parse.GetValue(url)!, "/peers", ct);
            if (doc is null)
            {
                return CliApp.Failure;
            }

            using (doc)
            {
                if (parse.GetValue(json))
                {
                    Console.WriteLine(doc.RootElement.GetRawText());
                    return CliApp.Ok;
                }

                Console.WriteLine($"{"NAME",-16} {"MESH ADDRESS",-15} {"TYPE",-11} {"TRANSPORT",-9} {"UNDERLAY",-21} {"LATENCY",9} {"SENT",12} {"RECEIVED",12}");
                foreach (JsonElement p in doc.RootElement.EnumerateArray())
                {
                    string latency = p.GetProperty("latency_ms").ValueKind == JsonValueKind.Number ? p.GetProperty("latency_ms").GetDouble().ToString("0.0", CultureInfo.InvariantCulture) + " ms" : "-";
                    Console.WriteLine($"{p.GetProperty("name").GetString(),-16} {p.GetProperty("mesh_address").GetString(),-15} {p.GetProperty("node_type").GetString(),-11} {p.GetProperty("transport").GetString() ?? "down",-9} {p.GetProperty("underlay_address").GetString() ?? "-",-21} {latency,9} {p.GetProperty("bytes_sent").GetInt64(),12} {p.GetProperty("bytes_received").GetInt64(),12}");
                }
            }

            return CliApp.Ok;
        });
        return command;
    }

    private static async Task<JsonDocument?> GetAsync(string verb, string url, string path, CancellationToken ct)
    {
        try
        {
            string text = await Http.GetStringAsync(url.TrimEnd('/') + path, ct);
            return JsonDocument.Parse(text);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException or UriFormatException or InvalidOperationException)
        {
            CliErrors.Fail(verb, $"{url}{path}: {ex.Message}");
            return null;
        }
    }
}
