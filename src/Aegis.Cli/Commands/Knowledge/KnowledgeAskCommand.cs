using System.CommandLine;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Aegis.Cli.Commands.Knowledge;

/// <summary>`aegis knowledge ask --url URL --collection NAME "question"`: prints the answer as it streams, then its numbered citations.</summary>
public static class KnowledgeAskCommand
{
    public static Command Create()
    {
        var url = new Option<string>("--url", "-u") { Description = "the knowledge service's URL", DefaultValueFactory = _ => "http://127.0.0.1:8080" };
        var collection = new Option<string?>("--collection") { Description = "collection to search (default: every collection you can read)" };
        var area = new Option<string?>("--area") { Description = "only documents of this area" };
        var topK = new Option<int?>("--top-k") { Description = "how many passages to cite" };
        var token = new Option<string?>("--token") { Description = "bearer token (or AEGIS_KNOWLEDGE_TOKEN)" };
        var question = new Argument<string>("question");
        var command = new Command("ask", "ask a question; prints the answer and its numbered citations") { question, url, collection, area, topK, token };
        command.SetAction(async (parse, ct) =>
        {
            var body = new JsonObject { ["query"] = parse.GetValue(question), ["collection"] = parse.GetValue(collection), ["area_id"] = parse.GetValue(area), ["top_k"] = parse.GetValue(topK) };
            using HttpClient http = KnowledgeClient.Create(parse.GetValue(url)!, parse.GetValue(token));
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "api/v1/query/stream") { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };
                using HttpResponseMessage response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
                if (!response.IsSuccessStatusCode)
                {
                    return CliErrors.Fail("knowledge ask", KnowledgeClient.Describe((int)response.StatusCode, await response.Content.ReadAsStringAsync(ct)));
                }

                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
                JsonArray sources = [];
                string evt = "";
                while (await reader.ReadLineAsync(ct) is { } line)
                {
                    if (line.StartsWith("event: ", StringComparison.Ordinal))
                    {
                        evt = line[7..];
                    }
                    else if (line.StartsWith("data: ", StringComparison.Ordinal))
                    {
                        JsonNode data = JsonNode.Parse(line[6..])!;
                        switch (evt)
                        {
                            case "sources":
                                sources = data["sources"]!.AsArray();
                                break;
                            case "token":
                                Console.Write((string?)data["text"]);
                                break;
                            case "error":
                                Console.WriteLine();
                                return CliErrors.Fail("knowledge ask", (string?)data["message"] ?? "answer failed");
                        }
                    }
                }

                Console.WriteLine();
                Console.WriteLine();
                foreach (JsonNode? s in sources)
                {
                    string where = (string?)s!["file_name"] ?? (string?)s["doc_id"] ?? "";
                    if ((int?)s["page"] is { } page)
                    {
                        where += $", page {page}";
                    }

                    Console.WriteLine($"[{(int?)s["citation"]}] {where} (doc {(string?)s["doc_id"]}, chunk {(string?)s["chunk_id"]}, score {(double?)s["score"]:F4})");
                }

                return CliApp.Ok;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException)
            {
                return CliErrors.Fail("knowledge ask", $"cannot reach {parse.GetValue(url)}: {ex.Message}");
            }
        });
        return command;
    }
}
