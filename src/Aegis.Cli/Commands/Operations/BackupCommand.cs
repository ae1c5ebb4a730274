using System.CommandLine;
using System.Diagnostics;
using Aegis.Node.Operations;
using Aegis.Storage;
using Aegis.Storage.Export;

namespace Aegis.Cli.Commands.Operations;

/// <summary>
/// `aegis backup --config FILE --out FILE`: a consistent backup of a running or stopped node, verified as it is
/// written, encrypted when AEGIS_ENCRYPTION_KEY is set (or security.encryption_key).
/// </summary>
public static class BackupCommand
{
    public static Command Create()
    {
        Option<string> config = OperationsCommands.ConfigOption();
        var output = new Option<string>("--out", "-o") { Description = "the backup file to write (replaced atomically when it exists)", Required = true };
        var plain = new Option<bool>("--no-encrypt") { Description = "write a plain backup even when AEGIS_ENCRYPTION_KEY is set" };
        var command = new Command("backup", "write a consistent, self-verifying backup of the node's store (the node may keep running)") { config, output, plain };
        command.SetAction(async (parse, ct) =>
        {
            NodeStoreAccess? node = NodeStoreAccess.Load("backup", parse.GetValue(config)!, out int exit);
            if (node is null)
            {
                return exit;
            }

            string outPath = Path.GetFullPath(parse.GetValue(output)!);
            if (Directory.Exists(outPath) || !Directory.Exists(Path.GetDirectoryName(outPath)))
            {
                return CliErrors.Report("backup", [$"--out: {parse.GetValue(output)} — expected a file path in an existing directory"]);
            }

            (INodeStore? store, string? problem) = await node.OpenExistingAsync(ct);
            if (store is null)
            {
                return CliErrors.Fail("backup", problem!);
            }

            string? key = parse.GetValue(plain) || string.IsNullOrEmpty(node.Config.Security.EncryptionKey) ? null : node.Config.Security.EncryptionKey;
            await using (store)
            {
                var clock = Stopwatch.StartNew();
                try
                {
                    await using IStoreSnapshot snapshot = await ((IStoreSnapshots)store).OpenSnapshotAsync(ct);
                    ulong tip = snapshot.Tip.Height;
                    if (await store.GetFirstHeightAsync(ct) is var first && first > 1)
                    {
                        // A backup restores a node that replays and checks every block from genesis: a partial chain cannot be one.
                        return CliErrors.Fail("backup", $"this store joined by snapshot and holds blocks {first}..{tip} only (storage.keep_history is false, or its history backfill has not reached block 1: see history_from in GET /status); a backup carries the whole chain from block 1, so none was written: back it up once the backfill has finished, or back up a node that holds the whole chain");
                    }

                    BackupSummary s = await BlockProgress.RunAsync("backup", report => BackupWriter.WriteAsync(snapshot, node.Genesis, node.NodeId, node.Engine, outPath, key, h => report(h, tip), ct));
                    Console.WriteLine($"ok: backup of chain {s.Header.ChainId}, heights 1..{s.Header.TipHeight} (tip {s.Header.TipHash.ToShortString()}), {s.Header.StateCount} state entries, {s.Bytes} bytes, {(s.Encrypted ? "encrypted (AES-256-GCM)" : "not encrypted")}, {clock.Elapsed.TotalSeconds:F1} s → {outPath}");
                    return CliApp.Ok;
                }
                catch (ChainCorruptException ex)
                {
                    return CliErrors.Fail("backup", $"the store does not verify, no backup written: {ex.Message} (run 'aegis verify')");
                }
                catch (Exception ex) when (ex is StorageException or IOException or UnauthorizedAccessException)
                {
                    return CliErrors.Fail("backup", $"no backup written: {ex.Message}");
                }
            }
        });
        return command;
    }
}
