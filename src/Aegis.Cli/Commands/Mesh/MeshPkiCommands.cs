using System.CommandLine;
using Aegis.Core.Crypto;
using Aegis.Mesh.Configuration;
using Aegis.Mesh.Coordinator;
using Aegis.Mesh.Noise;
using Aegis.Mesh.Pki;

namespace Aegis.Cli.Commands.Mesh;

/// <summary>`aegis mesh ca`, `aegis mesh cert`, `aegis mesh revoke`: the mesh's certificate authority and its certificates.</summary>
public static class MeshPkiCommands
{
    public static Command Ca()
    {
        var name = new Option<string>("--name") { Description = "the CA's name", Required = true };
        var output = new Option<string>("--out") { Description = "directory for ca.crt and ca.key (0600)", Required = true };
        var duration = new Option<string>("--duration") { Description = "validity, e.g. 8760h", DefaultValueFactory = _ => "8760h" };
        var command = new Command("ca", "create a mesh certificate authority: DIR/ca.crt, DIR/ca.key") { name, output, duration };
        command.SetAction(parse =>
        {
            var problems = new List<string>();
            string n = parse.GetValue(name)!;
            if (!MeshCertificate.IsValidName(n))
            {
                problems.Add($"--name: '{n}' — expected 1-64 letters, digits, '.', '_' or '-'");
            }

            if (!Durations.TryParse(parse.GetValue(duration)!, out TimeSpan d))
            {
                problems.Add($"--duration: '{parse.GetValue(duration)}' — expected a duration such as 8760h, 30d or 90m");
            }

            if (problems.Count > 0)
            {
                return CliErrors.Report("mesh ca", problems);
            }

            string dir = parse.GetValue(output)!;
            var ca = CertificateAuthority.Create(n, d, DateTimeOffset.UtcNow);
            try
            {
                ca.Save(dir);
            }
            catch (IOException ex)
            {
                return CliErrors.Fail("mesh ca", ex.Message);
            }

            Console.WriteLine($"mesh CA '{n}' valid until {ca.Certificate.NotAfter:u}, fingerprint {ca.Certificate.Fingerprint}");
            Console.WriteLine($"written: {Path.GetFullPath(Path.Combine(dir, "ca.crt"))}, {Path.GetFullPath(Path.Combine(dir, "ca.key"))} (0600)");
            return CliApp.Ok;
        });
        return command;
    }

    public static Command Cert()
    {
        var caDir = new Option<string>("--ca") { Description = "the CA's directory (ca.crt, ca.key)", Required = true };
        var name = new Option<string>("--name") { Description = "the node's name", Required = true };
        var ip = new Option<string?>("--ip") { Description = "the node's mesh address with its prefix, e.g. 100.64.0.5/16 (omit: a coordinator leases one)" };
        var groups = new Option<string?>("--groups") { Description = "comma-separated groups, e.g. admins,servers" };
        var duration = new Option<string>("--duration") { Description = "validity, e.g. 720h", DefaultValueFactory = _ => "720h" };
        var output = new Option<string>("--out") { Description = "directory for NODE.crt and NODE.key (0600)", Required = true };
        var command = new Command("cert", "sign a node certificate: DIR/NODE.crt, DIR/NODE.key") { caDir, name, ip, groups, duration, output };
        command.SetAction(parse =>
        {
            var problems = new List<string>();
            string n = parse.GetValue(name)!;
            if (!MeshCertificate.IsValidName(n))
            {
                problems.Add($"--name: '{n}' — expected 1-64 letters, digits, '.', '_' or '-'");
            }

            IPv4Network? address = null;
            if (parse.GetValue(ip) is { Length: > 0 } text)
            {
                if (IPv4Network.TryParse(text, out IPv4Network a) && text.Contains('/', StringComparison.Ordinal) && a.PrefixLength is >= 8 and <= 30 && a.Address != a.NetworkAddress && a.Address != a.BroadcastAddress)
                {
                    address = a;
                }
                else
                {
                    problems.Add($"--ip: '{text}' — expected a host address with its network prefix, e.g. 100.64.0.5/16");
                }
            }

            string[] groupList = (parse.GetValue(groups) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            foreach (string g in groupList.Where(g => !MeshCertificate.IsValidName(g)))
            {
                problems.Add($"--groups: '{g}' — a group is 1-64 letters, digits, '.', '_' or '-'");
            }

            if (groupList.Length > MeshCertificate.MaxGroups)
            {
                problems.Add($"--groups: {groupList.Length} groups; at most {MeshCertificate.MaxGroups}");
            }

            if (!Durations.TryParse(parse.GetValue(duration)!, out TimeSpan d))
            {
                problems.Add($"--duration: '{parse.GetValue(duration)}' — expected a duration such as 720h, 30d or 90m");
            }

            if (problems.Count > 0)
            {
                return CliErrors.Report("mesh cert", problems);
            }

            CertificateAuthority ca;
            try
            {
                ca = CertificateAuthority.Load(parse.GetValue(caDir)!);
            }
            catch (Exception ex) when (ex is IOException or FormatException or UnauthorizedAccessException)
            {
                return CliErrors.Report("mesh cert", [$"--ca: {ex.Message}"]);
            }

            string dir = parse.GetValue(output)!;
            string crt = Path.Combine(dir, n + ".crt"), keyPath = Path.Combine(dir, n + ".key");
            using var key = X25519KeyPair.Generate();
            MeshCertificate cert = ca.Sign(n, address, groupList, key.PublicKey, d, DateTimeOffset.UtcNow);
            try
            {
                CertificateFile.WriteKey(keyPath, key);
                CertificateFile.Write(crt, cert);
            }
            catch (IOException ex)
            {
                return CliErrors.Fail("mesh cert", ex.Message);
            }

            Console.WriteLine($"certificate '{n}' {(address is null ? "(address leased by a coordinator)" : address.ToString())} groups [{string.Join(',', groupList)}] valid until {cert.NotAfter:u}");
            Console.WriteLine($"fingerprint {cert.Fingerprint}");
            Console.WriteLine($"written: {Path.GetFullPath(crt)}, {Path.GetFullPath(keyPath)} (0600)");
            return CliApp.Ok;
        });
        return command;
    }

    /// <summary>Extension: revoke a certificate in a coordinator's registry; the running coordinator tells every node within seconds.</summary>
    public static Command Revoke()
    {
        var config = new Option<string>("--config", "-c") { Description = "the coordinator's node.yaml (its registry)", Required = true };
        var cert = new Option<string?>("--cert") { Description = "the certificate file to revoke" };
        var fingerprint = new Option<string?>("--fingerprint") { Description = "or its fingerprint (64 hex characters)" };
        var reason = new Option<string>("--reason") { Description = "why (kept in the registry)", DefaultValueFactory = _ => "revoked by operator" };
        var command = new Command("revoke", "revoke a node certificate in a coordinator's registry") { config, cert, fingerprint, reason };
        command.SetAction(parse =>
        {
            (MeshConfig? c, List<string> problems) = MeshConfigLoader.Load(parse.GetValue(config)!, MeshConfigLoader.ProcessEnvironment());
            Hash32 target = default;
            if (parse.GetValue(cert) is { Length: > 0 } file)
            {
                try
                {
                    target = CertificateFile.ReadOne(file).Fingerprint;
                }
                catch (Exception ex) when (ex is IOException or FormatException)
                {
                    problems.Add($"--cert: {ex.Message}");
                }
            }
            else if (!Hash32.TryParse(parse.GetValue(fingerprint), out target))
            {
                problems.Add("--cert or --fingerprint: give the certificate file or its 64-hex-character fingerprint");
            }

            if (c is not null && c.NodeType != Aegis.Mesh.Session.NodeType.Coordinator)
            {
                problems.Add("--config: not a coordinator's configuration (node_type: coordinator keeps the registry)");
            }

            if (problems.Count > 0 || c is null)
            {
                return CliErrors.Report("mesh revoke", problems);
            }

            using SqlRegistry registry = c.StorageType == "postgresql" ? SqlRegistry.OpenPostgres(c.ConnectionString) : SqlRegistry.OpenSqlite(c.StoragePath);
            registry.Revoke(target, parse.GetValue(reason)!, DateTimeOffset.UtcNow);
            Console.WriteLine($"revoked {target}; the coordinator pushes it to every node within a few seconds");
            return CliApp.Ok;
        });
        return command;
    }
}
