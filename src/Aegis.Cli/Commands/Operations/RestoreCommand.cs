using System.CommandLine;
using System.Diagnostics;
using Aegis.Node.Operations;
using Aegis.Storage;

namespace Aegis.Cli.Commands.Operations;

/// <summary>
/// `aegis restore --config FILE --from FILE`: replaces the (stopped) node's store with a verified backup of its chain;
/// refuses another chain's, a damaged or truncated backup, or a wrong key, and then leaves the data untouched.
/// </summary>
public static class RestoreCommand
{
    public static Command Create()
    {
        Option<string> config = OperationsCommands.ConfigOption();
        var from = new Option<string>("--from", "-f") { Description = "the backup file", Required = true };
        var command = new Command("restore", "restore the node's store from a backup (the node must be stopped); it then rejoins and catches up") { config, from };
        command.SetAction(async (parse, ct) =>
        {
            NodeStoreAccess? node = NodeStoreAccess.Load("restore", parse.GetValue(config)!, out int exit);
            if (node is null)
            {
                return exit;
            }

            string path = parse.GetValue(from)!;
            if (!File.Exists(path))
            {
                return CliErrors.Report("restore", [$"--from: {path} — file not found"]);
            }

            if (await node.NodeListensAsync(ct))
            {
                return CliErrors.Fail("restore", $"something answers on the node's API port {node.Config.Api.Port}: stop the node before restoring (nothing was changed)");
            }

            string? key = string.IsNullOrEmpty(node.Config.Security.EncryptionKey) ? null : node.Config.Security.EncryptionKey;
            var clock = Stopwatch.StartNew();
            try
            {
                RestoreSummary s = await BlockProgress.RunAsync("restore", report => Restorer.RestoreAsync(path, key, node.Genesis, node.Storage, report, ct));
                Console.WriteLine($"restored chain {s.Header.ChainId}, heights 1..{s.Header.TipHeight} ({s.Transactions} transactions, {s.Header.StateCount} state entries), verified, in {clock.Elapsed.TotalSeconds:F1} s");
                if (s.PreviousDataKeptIn is { } kept)
                {
                    Console.WriteLine($"the previous data is kept in {kept}; remove it once the node has rejoined");
                }

                Console.WriteLine($"ok: start the node; it rejoins and catches up from height {s.Header.TipHeight}");
                return CliApp.Ok;
            }
            catch (BackupFormatException ex)
            {
                return CliErrors.Fail("restore", $"refused, the node's data is untouched: {ex.Message}");
            }
            catch (StorageException ex)
            {
                return CliErrors.Fail("restore", $"failed, the node's data is untouched: {ex.Message}");
            }
        });
        return command;
    }
}
