using System.Text.Json;
using Aegis.Cli.Testnet;

namespace Aegis.Cluster.Tests;

/// <summary><c>logging.file</c> is applied: a running node appends its log lines to the file, in the configured format.</summary>
public class LogFileTests
{
    [Fact]
    public async Task A_node_writes_its_log_to_logging_file_as_json_lines()
    {
        CancellationToken ct = new CancellationTokenSource(TimeSpan.FromSeconds(120)).Token;
        await using var cluster = new TestCluster(validators: 1);
        string config = TestnetGenerator.ConfigPath(cluster.Dir, 0);
        string text = File.ReadAllText(config);
        const string Section = "logging:\n  level: INFO\n  format: text\n";
        Assert.Contains(Section, text);
        // Relative to the config file, as every path in it; the directory does not exist yet.
        File.WriteAllText(config, text.Replace(Section, "logging:\n  level: INFO\n  format: json\n  file: \"logs/node.jsonl\"\n", StringComparison.Ordinal));
        await cluster.StartAsync(ct);
        (int status, _) = await cluster.PostTxAsync(0, "log/1", "v", wait: true, ct);
        Assert.Equal(200, status);

        string path = Path.Combine(Path.GetDirectoryName(config)!, "logs", "node.jsonl");
        Assert.True(File.Exists(path), $"no log file at {path}\n{cluster.Logs()}");
        string[] lines;
        using (var reader = new StreamReader(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite)))
        {
            lines = (await reader.ReadToEndAsync(ct)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        }

        Assert.NotEmpty(lines);
        foreach (string line in lines)
        {
            using JsonDocument doc = JsonDocument.Parse(line);
            Assert.False(string.IsNullOrEmpty(doc.RootElement.GetProperty("message").GetString()), line);
            Assert.NotEqual("Debug", doc.RootElement.GetProperty("level").GetString()); // level INFO applies to the file too
        }

        // The same events reach the console log the cluster captures.
        string first = JsonDocument.Parse(lines[0]).RootElement.GetProperty("message").GetString()!;
        Assert.Contains(first, File.ReadAllText(cluster.Processes.LogPath(0)));
    }
}
