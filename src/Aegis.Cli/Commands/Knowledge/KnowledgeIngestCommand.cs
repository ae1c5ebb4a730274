using System.CommandLine;
using System.Net.Http.Headers;
using System.Text.Json;
using Spectre.Console;

namespace Aegis.Cli.Commands.Knowledge;

/// <summary>`aegis knowledge ingest --url URL --collection NAME FILE…`: uploads documents with a progress bar; exit 1 if any was refused.</summary>
public static class KnowledgeIngestCommand
{
    public static Command Create()
    {
        var url = new Option<string>("--url", "-u") { Description = "the knowledge service's URL", DefaultValueFactory = _ => "http://127.0.0.1:8080" };
        var collection = new Option<string>("--collection") { Description = "general_knowledge, personal_knowledge or another collection", DefaultValueFactory = _ => "general_knowledge" };
        var area = new Option<string?>("--area") { Description = "area (team) whose members may read the documents" };
        var token = new Option<string?>("--token") { Description = "bearer token (or AEGIS_KNOWLEDGE_TOKEN)" };
        var files = new Argument<string[]>("files") { Description = "PDF, DOCX, Markdown or text files", Arity = ArgumentArity.OneOrMore };
        var command = new Command("ingest", "upload documents (PDF, DOCX, Markdown, text)") { files, url, collection, area, token };
        command.SetAction(async (parse, ct) =>
        {
            string[] paths = parse.GetValue(files)!;
            string[] missing = paths.Where(p => !File.Exists(p)).ToArray();
            if (missing.Length > 0)
            {
                return CliErrors.Report("knowledge ingest", missing.Select(p => $"{p}: file not found"));
            }

            using HttpClient http = KnowledgeClient.Create(parse.GetValue(url)!, parse.GetValue(token));
            var failures = new List<string>();
            int chunks = 0;
            try
            {
                await AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                    .StartAsync(async progress =>
                    {
                        ProgressTask task = progress.AddTask($"ingesting {paths.Length} file(s)", maxValue: paths.Sum(p => new FileInfo(p).Length) + 1);
                        foreach (string path in paths)
                        {
                            task.Description = Markup.Escape(Path.GetFileName(path));
                            using var form = new MultipartFormDataContent();
                            var content = new ByteArrayContent(await File.ReadAllBytesAsync(path, ct));
                            content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                            form.Add(content, "file", Path.GetFileName(path));
                            form.Add(new StringContent(parse.GetValue(collection)!), "collection");
                            if (parse.GetValue(area) is { } a)
                            {
                                form.Add(new StringContent(a), "area_id");
                            }

                            using HttpResponseMessage response = await http.PostAsync("api/v1/documents", form, ct);
                            string body = await response.Content.ReadAsStringAsync(ct);
                            if (response.IsSuccessStatusCode)
                            {
                                using JsonDocument doc = JsonDocument.Parse(body);
                                int n = doc.RootElement.GetProperty("chunks").GetInt32();
                                chunks += n;
                                AnsiConsole.MarkupLine($"[green]indexed[/] {Markup.Escape(path)}: doc_id {doc.RootElement.GetProperty("doc_id").GetString()}, {n} chunks");
                            }
                            else
                            {
                                failures.Add($"{path}: {KnowledgeClient.Describe((int)response.StatusCode, body)}");
                            }

                            task.Increment(new FileInfo(path).Length);
                        }

                        task.Increment(1);
                    });
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                return CliErrors.Fail("knowledge ingest", $"cannot reach {parse.GetValue(url)}: {ex.Message}");
            }

            foreach (string f in failures)
            {
                Console.Error.WriteLine($"aegis knowledge ingest: {f}");
            }

            Console.WriteLine($"{paths.Length - failures.Count} of {paths.Length} documents indexed, {chunks} chunks");
            return failures.Count == 0 ? CliApp.Ok : CliApp.Failure;
        });
        return command;
    }
}
