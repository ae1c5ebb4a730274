using System.CommandLine;
using Aegis.Mesh.Configuration;
using Aegis.Mesh.Coordinator;
using Aegis.Mesh.Session;

namespace Aegis.Cli.Commands.Mesh;

/// <summary>`aegis mesh backup` / `aegis mesh restore`: the CA, the node's certificate and key, and a coordinator's registry.</summary>
public static class MeshBackupCommands
{
    public static Command Backup()
    {
        var config = new Option<string>("--config", "-c") { Description = "the node's node.yaml", Required = true };
        var caDir = new Option<string?>("--ca") { Description = "also back up the CA key from this directory (ca.crt, ca.key)" };
        var output = new Option<string>("--out") { Description = "the backup file to write (0600: it holds private keys)", Required = true };
        var command = new Command("backup", "back up the CA, certificates, keys and (on a coordinator) the registry") { config, caDir, output };
        command.SetAction(parse =>
        {
            (MeshConfig? c, List<string> problems) = MeshConfigLoader.Load(parse.GetValue(config)!, MeshConfigLoader.ProcessEnvironment());
            if (c is null)
            {
                return CliErrors.Report("mesh backup", problems);
            }

            var files = new List<(string, string)> { ("ca_file", c.CaFile), ("cert_file", c.CertFile), ("key_file", c.KeyFile) };
            if (parse.GetValue(caDir) is { Length: > 0 } dir)
            {
                files.Add(("ca_key", Path.Combine(dir, "ca.key")));
            }

            using SqlRegistry? registry = OpenRegistry(c);
            MeshBackup backup = MeshBackup.Capture(c.NodeName, files, registry, DateTimeOffset.UtcNow);
            try
            {
                backup.Save(parse.GetValue(output)!);
            }
            catch (IOException ex)
            {
                return CliErrors.Fail("mesh backup", ex.Message);
            }

            Console.WriteLine($"backup of {c.NodeName}: {backup.Files.Count} files, {backup.Certificates.Count} certificates, {backup.Leases.Count} leases, {backup.Revocations.Count} revocations → {Path.GetFullPath(parse.GetValue(output)!)}");
            return CliApp.Ok;
        });
        return command;
    }

    public static Command Restore()
    {
        var config = new Option<string>("--config", "-c") { Description = "the node.yaml whose paths the files are restored to", Required = true };
        var from = new Option<string>("--from") { Description = "the backup file", Required = true };
        var caDir = new Option<string?>("--ca") { Description = "restore the CA key (if the backup has it) into this directory" };
        var force = new Option<bool>("--force") { Description = "replace files that exist (never needed for the registry: its rows merge)" };
        var command = new Command("restore", "restore a backup made by 'aegis mesh backup'") { config, from, caDir, force };
        command.SetAction(parse =>
        {
            MeshBackup backup;
            try
            {
                backup = MeshBackup.Decode(File.ReadAllBytes(parse.GetValue(from)!));
            }
            catch (Exception ex) when (ex is IOException or FormatException)
            {
                return CliErrors.Fail("mesh restore", $"{parse.GetValue(from)}: {ex.Message}; nothing was changed");
            }

            // Paths come from node.yaml; the files need not exist yet (that is why one restores), so read only the keys.
            (MeshConfig? c, List<string> problems) = MeshConfigLoader.Load(parse.GetValue(config)!, MeshConfigLoader.ProcessEnvironment(), requireFiles: false);
            if (c is null)
            {
                return CliErrors.Report("mesh restore", problems);
            }

            var targets = new Dictionary<string, string> { ["ca_file"] = c.CaFile, ["cert_file"] = c.CertFile, ["key_file"] = c.KeyFile };
            if (parse.GetValue(caDir) is { Length: > 0 } dir)
            {
                targets["ca_key"] = Path.Combine(dir, "ca.key");
            }

            var plan = backup.Files.Where(f => targets.ContainsKey(f.Role)).Select(f => (Path: targets[f.Role], f.Content, Secret: f.Role is "key_file" or "ca_key")).ToList();
            if (!parse.GetValue(force) && plan.FirstOrDefault(p => File.Exists(p.Path)) is { Path: not null } existing)
            {
                return CliErrors.Fail("mesh restore", $"{existing.Path} exists; refusing to overwrite it (use --force); nothing was changed");
            }

            foreach ((string path, byte[] content, bool secret) in plan)
            {
                Aegis.Mesh.Pki.SecretFile.Write(path, content, parse.GetValue(force), secret);
            }

            if (c.NodeType == NodeType.Coordinator)
            {
                using SqlRegistry registry = OpenRegistry(c)!;
                backup.RestoreInto(registry);
            }

            Console.WriteLine($"restored {plan.Count} files and {backup.Certificates.Count} certificates, {backup.Leases.Count} leases, {backup.Revocations.Count} revocations from the backup of {backup.NodeName} ({backup.CreatedAt:u})");
            return CliApp.Ok;
        });
        return command;
    }

    private static SqlRegistry? OpenRegistry(MeshConfig c) => c.NodeType != NodeType.Coordinator ? null
        : c.StorageType == "postgresql" ? SqlRegistry.OpenPostgres(c.ConnectionString) : SqlRegistry.OpenSqlite(c.StoragePath);
}
