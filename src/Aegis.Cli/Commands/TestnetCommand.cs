using System.CommandLine;
using Aegis.Cli.Testnet;

namespace Aegis.Cli.Commands;

/// <summary>`aegis testnet --validators N --dir DIR [--base-port P] [--storage sqlite|postgresql] [--hosts H,…|'name-{i}']`.</summary>
public static class TestnetCommand
{
    public static Option<int> Validators() => new("--validators", "-n") { Description = "number of validators", DefaultValueFactory = _ => 4 };

    public static Option<int> BasePort() => new("--base-port") { Description = "node i uses ports P+10i (p2p), P+10i+1 (api), P+10i+2 (metrics)", DefaultValueFactory = _ => 26600 };

    public static Option<bool> Tls() => new("--tls") { Description = "write a local CA (DIR/ca.crt) and a certificate per node, and serve the API and metrics over TLS" };

    public static Option<string> Storage() => new("--storage") { Description = "sqlite or postgresql", DefaultValueFactory = _ => "sqlite" };

    public static List<string> Validate(int validators, int basePort, string storage)
    {
        var problems = new List<string>();
        if (validators is < 1 or > 64)
        {
            problems.Add($"--validators: {validators} — expected 1 to 64");
        }

        if (basePort < 1024 || basePort + (10 * validators) + 2 > 65535)
        {
            problems.Add($"--base-port: {basePort} — expected 1024 or more, with room for {validators} nodes below 65536");
        }

        if (storage is not ("sqlite" or "postgresql"))
        {
            problems.Add($"--storage: {storage} — expected sqlite or postgresql");
        }

        return problems;
    }

    public static List<string> ValidateHosts(List<string> hosts, int validators)
    {
        var problems = new List<string>();
        if (hosts.Count != validators)
        {
            problems.Add($"--hosts: {hosts.Count} hosts — expected one per node ({validators}), or one name with {{i}}");
        }

        foreach (string host in hosts.Where(h => Uri.CheckHostName(h) == UriHostNameType.Unknown))
        {
            problems.Add($"--hosts: '{host}' — expected a host name or IP address");
        }

        foreach (string twice in hosts.GroupBy(h => h, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1).Select(g => g.Key))
        {
            problems.Add($"--hosts: '{twice}' appears twice — every node needs its own host (they all use the same ports)");
        }

        return problems;
    }

    public static Command Create()
    {
        Option<int> validators = Validators();
        var dir = new Option<string>("--dir", "-d") { Description = "output directory", Required = true };
        Option<int> basePort = BasePort();
        Option<string> storage = Storage();
        var hosts = new Option<string?>("--hosts") { Description = "one host per node, comma-separated, or a name with {i} for the index (e.g. 'aegis-{i}.aegis'): nodes then listen on every interface, all on ports P, P+1, P+2, and reach each other by these names (containers, pods, machines)" };
        var force = new Option<bool>("--force") { Description = "overwrite an existing testnet in DIR (its keys and genesis are replaced; data dirs are not deleted)" };
        Option<bool> tls = Tls();
        var command = new Command("testnet", "write genesis.json and per-node config.yaml and node.key for a local testnet") { validators, dir, basePort, storage, hosts, force, tls };
        command.SetAction(parse =>
        {
            int n = parse.GetValue(validators);
            List<string> problems = Validate(n, parse.GetValue(basePort), parse.GetValue(storage)!);
            List<string>? hostList = parse.GetValue(hosts) is { } h ? TestnetGenerator.ExpandHosts(h, n) : null;
            if (hostList is not null)
            {
                problems.AddRange(ValidateHosts(hostList, n));
            }

            string path = parse.GetValue(dir)!;
            if (TestnetGenerator.Exists(path) && !parse.GetValue(force))
            {
                problems.Add($"--dir: {path} already holds a testnet (genesis.json); use --force to replace it");
            }

            if (problems.Count > 0)
            {
                return CliErrors.Report("testnet", problems);
            }

            int port = parse.GetValue(basePort);
            bool secure = parse.GetValue(tls);
            TestnetGenerator.Write(path, n, port, parse.GetValue(storage)!, Environment.GetEnvironmentVariable("AEGIS_DATABASE_URL"), hosts: hostList, tls: secure);
            Console.WriteLine($"wrote a {n}-validator testnet to {Path.GetFullPath(path)}");
            string scheme = secure ? "https" : "http";
            for (int i = 0; i < n; i++)
            {
                string api = hostList is null ? $"{scheme}://127.0.0.1:{TestnetGenerator.ApiPort(port, i)}" : $"{scheme}://{hostList[i]}:{port + 1}";
                Console.WriteLine($"  node{i}: aegis run --config {TestnetGenerator.ConfigPath(path, i)}   (api {api})");
            }

            if (secure)
            {
                Console.WriteLine($"  clients verify the nodes with --cacert {Path.Combine(Path.GetFullPath(path), Aegis.Cli.Tls.LocalCertificateAuthority.CaCertFile)}");
            }

            return CliApp.Ok;
        });
        return command;
    }
}
