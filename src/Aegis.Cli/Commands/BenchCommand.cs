using Aegis.Node.Security;
using System.Collections.Concurrent;
using System.CommandLine;
using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace Aegis.Cli.Commands;

/// <summary>
/// `aegis bench`: a load generator against running nodes. Closed loop (C clients, each waits for its commit) or open
/// loop (--rate R requests/s, latency measured from the scheduled send time so a stalled server cannot hide its
/// queueing: no coordinated omission). Bounded by --duration; prints throughput, latency percentiles, errors by kind.
/// </summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var urls = new Option<string>("--url", "-u") { Description = "node API URL(s), comma-separated; requests rotate over them", DefaultValueFactory = _ => "http://127.0.0.1:26601" };
        var clients = new Option<int>("--clients", "-c") { Description = "concurrent clients (closed loop)", DefaultValueFactory = _ => 32 };
        var duration = new Option<string>("--duration", "-d") { Description = "how long to load, e.g. 30s", DefaultValueFactory = _ => "30s" };
        var warmup = new Option<string>("--warmup") { Description = "load before measuring, e.g. 3s", DefaultValueFactory = _ => "3s" };
        var size = new Option<int>("--size") { Description = "value size in bytes", DefaultValueFactory = _ => 100 };
        var rate = new Option<int>("--rate") { Description = "open loop: requests per second (0 = closed loop)", DefaultValueFactory = _ => 0 };
        var keys = new Option<int>("--keys") { Description = "key space (0 = a new key per request)", DefaultValueFactory = _ => 0 };
        var wait = new Option<bool>("--no-wait") { Description = "do not wait for commit (measures admission only)" };
        var batch = new Option<int>("--batch") { Description = "transactions per request through POST /v1/txs (1 = POST /v1/tx)", DefaultValueFactory = _ => 1 };
        var json = new Option<bool>("--json") { Description = "print the report as JSON" };
        var cacert = new Option<string?>("--cacert") { Description = "PEM CA certificate for TLS nodes (DIR/ca.crt of 'aegis testnet --tls')" };
        var token = new Option<string?>("--token") { Description = "bearer token when the nodes require authentication" };
        var command = new Command("bench", "load a running cluster and report throughput and latency") { urls, clients, duration, warmup, size, rate, keys, wait, batch, json, cacert, token };
        command.SetAction(async (parse, outer) =>
        {
            using var stop = new ShutdownSignal(outer);
            var problems = new List<string>();
            string[] targets = parse.GetValue(urls)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (targets.Length == 0 || targets.Any(t => !Uri.TryCreate(t, UriKind.Absolute, out _)))
            {
                problems.Add($"--url: {parse.GetValue(urls)} — expected http://host:port[,http://host:port…]");
            }

            if (!Durations.TryParse(parse.GetValue(duration)!, out TimeSpan length))
            {
                problems.Add($"--duration: {parse.GetValue(duration)} — expected e.g. 30s or 2m");
            }

            if (!Durations.TryParse(parse.GetValue(warmup)!, out TimeSpan warm) && parse.GetValue(warmup) != "0s")
            {
                problems.Add($"--warmup: {parse.GetValue(warmup)} — expected e.g. 3s");
            }

            if (parse.GetValue(clients) is < 1 or > 10_000)
            {
                problems.Add($"--clients: {parse.GetValue(clients)} — expected 1 to 10000");
            }

            if (parse.GetValue(size) is < 0 or > 65536)
            {
                problems.Add($"--size: {parse.GetValue(size)} — expected 0 to 65536");
            }

            if (parse.GetValue(batch) is < 1 or > 10_000)
            {
                problems.Add($"--batch: {parse.GetValue(batch)} — expected 1 to 10000");
            }

            if (problems.Count > 0)
            {
                return CliErrors.Report("bench", problems);
            }

            var settings = new BenchRun.Settings(targets, parse.GetValue(clients), length, warm, parse.GetValue(size), parse.GetValue(rate), parse.GetValue(keys), !parse.GetValue(wait), parse.GetValue(batch), parse.GetValue(cacert), parse.GetValue(token));
            BenchRun.Report report = await BenchRun.RunAsync(settings, parse.GetValue(json) ? null : Console.Error, stop.Token);
            Console.WriteLine(parse.GetValue(json) ? report.ToJson() : report.ToText());
            return report.Succeeded > 0 ? CliApp.Ok : CliApp.Failure;
        });
        return command;
    }
}

/// <summary>One bounded benchmark run and its report.</summary>
public static class BenchRun
{
    public sealed record Settings(string[] Urls, int Clients, TimeSpan Duration, TimeSpan Warmup, int ValueSize, int Rate, int Keys, bool WaitForCommit, int Batch = 1, string? CaCert = null, string? Token = null);

    public sealed record Report(Settings Settings, double Seconds, long Succeeded, IReadOnlyDictionary<string, long> Errors, double[] LatencyMs, IReadOnlyDictionary<string, long> CommittedPerNode)
    {
        public double Throughput => Succeeded / Seconds;

        public double Percentile(double p)
        {
            if (LatencyMs.Length == 0)
            {
                return 0;
            }

            int index = (int)Math.Ceiling(p / 100 * LatencyMs.Length) - 1;
            return LatencyMs[Math.Clamp(index, 0, LatencyMs.Length - 1)];
        }

        public string ToText()
        {
            var sb = new StringBuilder();
            string mode = Settings.Rate > 0 ? $"open loop at {Settings.Rate} req/s" : $"closed loop, {Settings.Clients} clients";
            sb.AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"{mode}, {Settings.ValueSize}-byte values, {(Settings.Batch > 1 ? $"batches of {Settings.Batch}, " : "")}{(Settings.WaitForCommit ? "?wait=commit" : "no wait")}, {Seconds:F1} s measured");
            sb.AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"throughput: {Throughput:F0} tx/s ({Succeeded} ok)");
            sb.AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"latency ms{(Settings.Batch > 1 ? " (per request)" : "")}: p50 {Percentile(50):F1}  p90 {Percentile(90):F1}  p99 {Percentile(99):F1}  p99.9 {Percentile(99.9):F1}  max {(LatencyMs.Length > 0 ? LatencyMs[^1] : 0):F1}");
            sb.AppendLine("errors: " + (Errors.Count == 0 ? "none" : string.Join(", ", Errors.Select(e => $"{e.Key} {e.Value}"))));
            sb.Append("committed per node during the run: " + string.Join(", ", CommittedPerNode.Select(c => $"{c.Key} {c.Value}")));
            return sb.ToString();
        }

        public string ToJson()
        {
            var doc = new Dictionary<string, object>
            {
                ["seconds"] = Seconds,
                ["succeeded"] = Succeeded,
                ["throughput_tx_s"] = Throughput,
                ["latency_ms"] = new Dictionary<string, double> { ["p50"] = Percentile(50), ["p90"] = Percentile(90), ["p99"] = Percentile(99), ["p99_9"] = Percentile(99.9), ["max"] = LatencyMs.Length > 0 ? LatencyMs[^1] : 0 },
                ["errors"] = Errors,
                ["committed_per_node"] = CommittedPerNode,
                ["clients"] = Settings.Clients,
                ["rate"] = Settings.Rate,
                ["value_size"] = Settings.ValueSize,
            };
            return JsonSerializer.Serialize(doc, BenchJson.Default.DictionaryStringObject);
        }
    }

    public static async Task<Report> RunAsync(Settings s, TextWriter? progress, CancellationToken ct)
    {
        using HttpClient http = Aegis.Node.Security.ApiHttp.Create(s.CaCert, TimeSpan.FromSeconds(60), Math.Max(s.Clients, 64));
        if (s.Token is not null)
        {
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", s.Token);
        }

        string value = new('x', s.ValueSize);
        string runId = Guid.NewGuid().ToString("N")[..8];
        var latencies = new ConcurrentBag<double>();
        var errors = new ConcurrentDictionary<string, long>();
        long succeeded = 0;
        long sequence = 0;
        Dictionary<string, long> before = await CommittedAsync(http, s.Urls, ct);

        var total = Stopwatch.StartNew();
        TimeSpan end = s.Warmup + s.Duration;
        bool Measuring() => total.Elapsed >= s.Warmup;

        string OneTx()
        {
            long n = Interlocked.Increment(ref sequence);
            string key = s.Keys > 0 ? $"bench-{n % s.Keys}" : $"bench-{runId}-{n}";
            return $"{{\"op\":\"put\",\"key\":\"{key}\",\"value\":\"{value}\",\"id\":\"{runId}-{n}\"}}";
        }

        async Task SendAsync(long scheduledTicks)
        {
            string body = s.Batch == 1 ? OneTx() : "[" + string.Join(",", Enumerable.Range(0, s.Batch).Select(_ => OneTx())) + "]";
            string path = s.Batch == 1 ? "/v1/tx" : "/v1/txs";
            string url = s.Urls[Interlocked.Read(ref sequence) % s.Urls.Length] + path + (s.WaitForCommit ? "?wait=commit" : "");
            try
            {
                using var content = new StringContent(body, Encoding.UTF8, "application/json");
                using HttpResponseMessage r = await http.PostAsync(url, content, ct);
                bool measuring = Measuring();
                if (r.IsSuccessStatusCode)
                {
                    if (measuring)
                    {
                        long ok = 1;
                        if (s.Batch > 1)
                        {
                            using JsonDocument doc = JsonDocument.Parse(await r.Content.ReadAsStringAsync(ct));
                            ok = doc.RootElement.GetProperty("accepted").GetInt32();
                            if (ok < s.Batch)
                            {
                                errors.AddOrUpdate("batch_element_refused", s.Batch - ok, (_, v) => v + s.Batch - ok);
                            }
                        }

                        Interlocked.Add(ref succeeded, ok);
                        latencies.Add(Stopwatch.GetElapsedTime(scheduledTicks).TotalMilliseconds);
                    }
                }
                else if (measuring)
                {
                    errors.AddOrUpdate($"http_{(int)r.StatusCode}", 1, (_, v) => v + 1);
                }
            }
            catch (HttpRequestException)
            {
                errors.AddOrUpdate("connection", 1, (_, v) => v + 1);
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
                errors.AddOrUpdate("timeout", 1, (_, v) => v + 1);
            }
        }

        Task reporter = ReportProgressAsync(progress, total, s, () => Interlocked.Read(ref succeeded), ct);
        try
        {
            if (s.Rate > 0)
            {
                // Open loop: requests leave on a fixed schedule, whether or not earlier ones were answered.
                var inFlight = new List<Task>();
                double interval = Stopwatch.Frequency / (double)s.Rate;
                long start = Stopwatch.GetTimestamp();
                for (long i = 0; total.Elapsed < end && !ct.IsCancellationRequested; i++)
                {
                    long due = start + (long)(i * interval);
                    long now = Stopwatch.GetTimestamp();
                    if (due > now)
                    {
                        await Task.Delay(TimeSpan.FromTicks((due - now) * TimeSpan.TicksPerSecond / Stopwatch.Frequency), ct);
                    }

                    inFlight.Add(SendAsync(due));
                    if (inFlight.Count > 10_000)
                    {
                        inFlight.RemoveAll(t => t.IsCompleted);
                    }
                }

                await Task.WhenAll(inFlight);
            }
            else
            {
                await Task.WhenAll(Enumerable.Range(0, s.Clients).Select(async _ =>
                {
                    while (total.Elapsed < end && !ct.IsCancellationRequested)
                    {
                        await SendAsync(Stopwatch.GetTimestamp());
                    }
                }));
            }
        }
        catch (OperationCanceledException)
        {
        }

        double seconds = Math.Max(0.001, (total.Elapsed - s.Warmup).TotalSeconds);
        Dictionary<string, long> after = await CommittedAsync(http, s.Urls, CancellationToken.None);
        await reporter.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        double[] sorted = [.. latencies.Order()];
        return new Report(s, seconds, succeeded, errors, sorted, after.ToDictionary(kv => kv.Key, kv => kv.Value - before.GetValueOrDefault(kv.Key)));
    }

    private static async Task<Dictionary<string, long>> CommittedAsync(HttpClient http, string[] urls, CancellationToken ct)
    {
        var result = new Dictionary<string, long>();
        foreach (string url in urls)
        {
            try
            {
                using JsonDocument doc = JsonDocument.Parse(await http.GetStringAsync(url + "/status", ct));
                result[doc.RootElement.GetProperty("node_id").GetString() ?? url] = doc.RootElement.GetProperty("txs_committed").GetInt64();
            }
            catch (Exception ex) when (ex is HttpRequestException or JsonException or TaskCanceledException or KeyNotFoundException)
            {
                result[url] = 0;
            }
        }

        return result;
    }

    private static async Task ReportProgressAsync(TextWriter? progress, Stopwatch total, Settings s, Func<long> done, CancellationToken ct)
    {
        if (progress is null)
        {
            return;
        }

        TimeSpan end = s.Warmup + s.Duration;
        while (total.Elapsed < end && !ct.IsCancellationRequested)
        {
            double fraction = Math.Min(1, total.Elapsed / end);
            int filled = (int)(fraction * 30);
            string phase = total.Elapsed < s.Warmup ? "warm-up" : $"{done() / Math.Max(0.001, (total.Elapsed - s.Warmup).TotalSeconds):F0} tx/s";
            await progress.WriteAsync($"\r[{new string('#', filled)}{new string('.', 30 - filled)}] {total.Elapsed.TotalSeconds:F0}/{end.TotalSeconds:F0}s {phase}      ");
            try
            {
                await Task.Delay(500, ct);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        await progress.WriteLineAsync();
    }
}

[System.Text.Json.Serialization.JsonSourceGenerationOptions(WriteIndented = true)]
[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, object>))]
[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, double>))]
[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, long>))]
[System.Text.Json.Serialization.JsonSerializable(typeof(ConcurrentDictionary<string, long>))]
[System.Text.Json.Serialization.JsonSerializable(typeof(IReadOnlyDictionary<string, long>))]
[System.Text.Json.Serialization.JsonSerializable(typeof(double))]
[System.Text.Json.Serialization.JsonSerializable(typeof(long))]
[System.Text.Json.Serialization.JsonSerializable(typeof(int))]
internal sealed partial class BenchJson : System.Text.Json.Serialization.JsonSerializerContext;
