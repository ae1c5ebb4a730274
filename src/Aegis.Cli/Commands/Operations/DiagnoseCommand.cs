using System.CommandLine;
using System.Runtime.InteropServices;
using System.Text;
using Aegis.Node.Configuration;
using Aegis.Node.Security;
using Aegis.Storage;

namespace Aegis.Cli.Commands.Operations;

/// <summary>
/// `aegis diagnose --config FILE [--out FILE]`: the support report an operator attaches to a ticket — system,
/// versions, the config with secrets redacted, storage and disk, this node's /health /ready /status and peers, each
/// peer's /status, recent errors from the log, a metrics sample. Every secret the config holds (JWT secrets, the
/// encryption key, the database password) is scrubbed from the whole text before it is written, wherever it came from.
/// </summary>
public static class DiagnoseCommand
{
    private static readonly string[] ErrorWords = ["fail", "error", "crit", "warn", "exception", "corrupt", "refus"];

    public static Command Create()
    {
        Option<string> config = OperationsCommands.ConfigOption();
        var output = new Option<string?>("--out", "-o") { Description = "write the report to this file (default: stdout)" };
        var command = new Command("diagnose", "write a support report (system, versions, redacted config, storage, peers, recent errors, metrics)") { config, output };
        command.SetAction(async (parse, ct) =>
        {
            NodeStoreAccess? node = NodeStoreAccess.Load("diagnose", parse.GetValue(config)!, out int exit);
            if (node is null)
            {
                return exit;
            }

            string report = ConfigRedactor.Scrub(await BuildAsync(node, Path.GetFullPath(parse.GetValue(config)!), ct), node.Config);
            if (parse.GetValue(output) is { } path)
            {
                await File.WriteAllTextAsync(path, report, ct);
                if (!OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                }
                Console.WriteLine($"ok: report written to {Path.GetFullPath(path)} ({report.Length} characters, secrets redacted)");
            }
            else
            {
                Console.Write(report);
            }

            return CliApp.Ok;
        });
        return command;
    }

    private static async Task<string> BuildAsync(NodeStoreAccess node, string configPath, CancellationToken ct)
    {
        AegisConfig c = node.Config;
        var r = new StringBuilder();
        r.AppendLine("# AEGIS support report");
        r.AppendLine($"generated: {DateTimeOffset.UtcNow:O}");
        r.AppendLine($"config: {configPath}");

        Section(r, "System");
        r.AppendLine($"host: {Environment.MachineName}");
        r.AppendLine($"os: {RuntimeInformation.OSDescription} ({RuntimeInformation.OSArchitecture})");
        r.AppendLine($"cpus: {Environment.ProcessorCount}");
        r.AppendLine($"memory available to .NET: {GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024 * 1024)} MiB");
        r.AppendLine($"uptime: {TimeSpan.FromMilliseconds(Environment.TickCount64):d\\.hh\\:mm\\:ss}");

        Section(r, "Versions");
        r.AppendLine($"aegis: {Aegis.Core.AegisVersion.Value}");
        r.AppendLine($".NET: {RuntimeInformation.FrameworkDescription}");

        Section(r, "Configuration (secrets redacted)");
        r.AppendLine(ConfigRedactor.ToYaml(c).TrimEnd());
        Section(r, "Environment overrides");
        foreach (System.Collections.DictionaryEntry e in Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>().OrderBy(e => (string)e.Key, StringComparer.Ordinal))
        {
            string name = (string)e.Key;
            if (name.StartsWith("AEGIS_", StringComparison.Ordinal) || name == "DATABASE_URL")
            {
                // A value that is a config secret is scrubbed anyway; these names hide the rest (a misspelt or foreign secret).
                bool secret = name.Contains("SECRET", StringComparison.Ordinal) || name.Contains("KEY", StringComparison.Ordinal) || name.Contains("URL", StringComparison.Ordinal) || name.Contains("PASSWORD", StringComparison.Ordinal);
                r.AppendLine($"{name}={(secret ? "(set, redacted)" : (string?)e.Value)}");
            }
        }

        Section(r, "Genesis");
        r.AppendLine($"chain: {node.Genesis.ChainId}, genesis hash {node.Genesis.Hash}, {node.Genesis.Validators.Count} validators (quorum {node.Genesis.Validators.Quorum.Size})");
        foreach (var v in node.Genesis.Validators.All)
        {
            r.AppendLine($"  {v.Index} {v.Id} {v.Address} key {v.PublicKey.Fingerprint.ToShortString()}");
        }

        Section(r, "Storage");
        await StorageAsync(r, node, ct);

        Section(r, "This node");
        string scheme = string.IsNullOrEmpty(c.Api.Tls.CertFile) ? "http" : "https";
        string host = c.Api.Host is "0.0.0.0" or "::" or "" ? "127.0.0.1" : c.Api.Host;
        string api = $"{scheme}://{host}:{c.Api.Port}";
        using HttpClient http = ApiHttp.Create(string.IsNullOrEmpty(c.Dashboard.PeerCaFile) ? null : c.Dashboard.PeerCaFile, TimeSpan.FromSeconds(3));
        foreach (string path in new[] { "/health", "/ready", "/status", "/v1/peers" })
        {
            r.AppendLine($"GET {api}{path}: {await GetAsync(http, api + path, ct)}");
        }

        Section(r, "Peers (their /status)");
        if (c.Dashboard.PeerApiUrls.Count == 0)
        {
            r.AppendLine("(dashboard.peer_api_urls is empty: no peer APIs known)");
        }

        foreach (string peer in c.Dashboard.PeerApiUrls)
        {
            r.AppendLine($"GET {peer}/status: {await GetAsync(http, peer.TrimEnd('/') + "/status", ct)}");
        }

        Section(r, "Recent errors");
        RecentErrors(r, c, configPath);

        Section(r, "Metrics sample (aegis_*)");
        string metrics = await GetAsync(http, $"{scheme}://{host}:{c.Monitoring.MetricsPort}/metrics", ct, raw: true);
        foreach (string line in metrics.Split('\n').Where(l => l.StartsWith("aegis_", StringComparison.Ordinal) || l.StartsWith('(')).Take(120))
        {
            r.AppendLine(line);
        }

        return r.ToString();
    }

    private static async Task StorageAsync(StringBuilder r, NodeStoreAccess node, CancellationToken ct)
    {
        string dataDir = Path.GetFullPath(node.Config.Node.DataDir);
        r.AppendLine($"engine: {node.Engine}, data dir {dataDir}");
        if (Directory.Exists(dataDir))
        {
            foreach (string file in Directory.GetFiles(dataDir).Order(StringComparer.Ordinal))
            {
                r.AppendLine($"  {Path.GetFileName(file)}: {new FileInfo(file).Length} bytes");
            }

            try
            {
                var drive = new DriveInfo(dataDir);
                r.AppendLine($"disk: {drive.AvailableFreeSpace / (1024 * 1024)} MiB free of {drive.TotalSize / (1024 * 1024)} MiB ({drive.Name}, {drive.DriveFormat})");
            }
            catch (Exception ex) when (ex is IOException or ArgumentException or UnauthorizedAccessException)
            {
                r.AppendLine($"disk: unknown ({ex.Message})");
            }
        }
        else
        {
            r.AppendLine("  (the data dir does not exist)");
        }

        (INodeStore? store, string? problem) = await node.OpenExistingAsync(ct);
        if (store is null)
        {
            r.AppendLine($"store: {problem}");
            return;
        }

        await using (store)
        {
            try
            {
                ChainTip tip = await store.GetTipAsync(ct);
                r.AppendLine($"store: {store.Description}: tip height {tip.Height}, block {tip.BlockHash.ToShortString()}, last block at {(tip.TimestampMs == 0 ? "-" : DateTimeOffset.FromUnixTimeMilliseconds(tip.TimestampMs).ToString("O"))}");
            }
            catch (StorageException ex)
            {
                r.AppendLine($"store: {store.Description}: cannot read the tip: {ex.Message}");
            }
        }
    }

    private static void RecentErrors(StringBuilder r, AegisConfig c, string configPath)
    {
        string? log = !string.IsNullOrEmpty(c.Logging.File) ? c.Logging.File : Path.Combine(Path.GetDirectoryName(configPath)!, "node.log");
        if (!File.Exists(log))
        {
            r.AppendLine("(no log file: logging.file is empty and there is no node.log beside the config; under systemd: journalctl -u aegis -p warning)");
            return;
        }

        r.AppendLine($"from {log}:");
        var recent = new Queue<string>();
        foreach (string line in File.ReadLines(log))
        {
            if (ErrorWords.Any(w => line.Contains(w, StringComparison.OrdinalIgnoreCase)))
            {
                recent.Enqueue(line);
                if (recent.Count > 40)
                {
                    recent.Dequeue();
                }
            }
        }

        foreach (string line in recent)
        {
            r.AppendLine("  " + line);
        }

        if (recent.Count == 0)
        {
            r.AppendLine("  (no warnings or errors)");
        }
    }

    private static async Task<string> GetAsync(HttpClient http, string url, CancellationToken ct, bool raw = false)
    {
        try
        {
            using HttpResponseMessage response = await http.GetAsync(url, ct);
            string body = await response.Content.ReadAsStringAsync(ct);
            return raw ? body : $"{(int)response.StatusCode} {(body.Length > 2000 ? body[..2000] + "…" : body)}";
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return $"(unreachable: {ex.Message})";
        }
    }

    private static void Section(StringBuilder r, string title)
    {
        r.AppendLine();
        r.AppendLine($"## {title}");
    }
}
