using System.Diagnostics;
using System.Globalization;
using System.Text;
using Aegis.Mesh.Noise;
using Aegis.Mesh.Pki;
using Aegis.Mesh.Session;

namespace Aegis.Mesh.Lab;

/// <summary>
/// Network namespaces on this machine, for `aegis mesh up` and the namespace tests: a hub namespace holding a bridge,
/// one namespace per host with a veth on the bridge (underlay 10.200.0.0/24), optionally a NAT gateway namespace with a
/// host behind it (nftables masquerade). Every name starts with <see cref="Prefix"/> (ar-PID-RANDOM), so concurrent runs
/// never collide; <see cref="DisposeAsync"/> stops every process it started (by PID) and deletes every namespace, which
/// takes their veths, bridges, TUN devices and nftables rules with them. Namespaces left by a run that died are removed
/// by the next run (their PID is gone).
/// </summary>
public sealed class NamespaceLab : IAsyncDisposable
{
    public const string UnderlayPrefix = "10.200.0.";
    private readonly LabExecutable _exe;
    private readonly List<string> _namespaces = [];
    private readonly string _short;
    private int _vethCounter;
    private CertificateAuthority? _ca;

    public NamespaceLab(string workDir, LabExecutable exe)
    {
        WorkDir = Directory.CreateDirectory(workDir).FullName;
        _exe = exe;
        string random = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(2));
        Prefix = $"ar-{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}-{random}";
        _short = $"r{(Environment.ProcessId % 10000).ToString("x", CultureInfo.InvariantCulture)}{random}";
        RemoveStale();
    }

    public string WorkDir { get; }

    public string Prefix { get; }

    public string Hub => $"{Prefix}-hub";

    public List<LabNode> Nodes { get; } = [];

    public CertificateAuthority Ca => _ca ??= CertificateAuthority.Create("lab-ca", TimeSpan.FromDays(2), DateTimeOffset.UtcNow);

    /// <summary>The demo's shape: a coordinator and <paramref name="nodes"/> nodes on one bridge.</summary>
    public void CreateTopology(int nodes)
    {
        CreateHub();
        AddHost("coord", NodeType.Coordinator, 1, "100.64.0.1/16");
        for (int i = 1; i <= nodes; i++)
        {
            AddHost($"node{i}", NodeType.Node, 10 + i, $"100.64.0.{10 + i}/16");
        }
    }

    public void CreateHub()
    {
        AddNamespace(Hub);
        Ip(Hub, "link add br0 type bridge");
        Ip(Hub, "link set br0 up");
        Ip(Hub, "link set lo up");
    }

    /// <summary>A host on the bridge at 10.200.0.<paramref name="octet"/>.</summary>
    public LabNode AddHost(string name, NodeType type, int octet, string? meshAddress, params string[] groups)
    {
        string ns = $"{Prefix}-{name}";
        AddNamespace(ns);
        Plug(ns, "eth0", $"{UnderlayPrefix}{octet}/24");
        var node = new LabNode { Name = name, Namespace = ns, Underlay = $"{UnderlayPrefix}{octet}", Type = type, MeshAddress = meshAddress?.Split('/')[0] };
        node.Groups.AddRange(groups);
        MeshAddresses[name] = meshAddress;
        Nodes.Add(node);
        return node;
    }

    /// <summary>
    /// A NAT gateway on the bridge (10.200.0.<paramref name="gatewayOctet"/>) and a host behind it (192.168.77.2) whose
    /// traffic the gateway masquerades: from outside only answers to what the host sent get in.
    /// </summary>
    public LabNode AddHostBehindNat(string name, int gatewayOctet, string meshAddress, params string[] groups)
    {
        string gw = $"{Prefix}-{name}gw";
        AddNamespace(gw);
        Plug(gw, "eth0", $"{UnderlayPrefix}{gatewayOctet}/24");
        string ns = $"{Prefix}-{name}";
        AddNamespace(ns);
        string inside = NextVeth(), outside = NextVeth();
        Run("ip", $"link add {inside} netns {ns} type veth peer name {outside} netns {gw}");
        Ip(ns, $"link set {inside} name eth0");
        Ip(ns, "addr add 192.168.77.2/24 dev eth0");
        Ip(ns, "link set eth0 up");
        Ip(ns, "link set lo up");
        Ip(ns, "route add default via 192.168.77.1");
        Ip(gw, $"link set {outside} name eth1");
        Ip(gw, "addr add 192.168.77.1/24 dev eth1");
        Ip(gw, "link set eth1 up");
        Exec(gw, "sysctl -qw net.ipv4.ip_forward=1");
        Nft(gw, "table ip nat {\n chain post {\n  type nat hook postrouting priority srcnat;\n  oifname \"eth0\" masquerade\n }\n}\n");
        var node = new LabNode { Name = name, Namespace = ns, Underlay = "192.168.77.2", MeshAddress = meshAddress.Split('/')[0], BehindNat = true };
        node.Groups.AddRange(groups);
        MeshAddresses[name] = meshAddress;
        Nodes.Add(node);
        return node;
    }

    /// <summary>The "internet" behind an exit node: TEST-NET-2, reached only through <see cref="AddInternetBehind"/>'s gateway.</summary>
    public const string InternetHost = "198.51.100.10";

    /// <summary>
    /// A namespace standing for the internet, joined only to <paramref name="gateway"/> (198.51.100.1 there, the host at
    /// <see cref="InternetHost"/>). It has no route back to the mesh or the underlay: only traffic the gateway masquerades
    /// can be answered. Returns its namespace.
    /// </summary>
    public string AddInternetBehind(LabNode gateway)
    {
        string ns = $"{Prefix}-inet";
        AddNamespace(ns);
        string inside = NextVeth(), outside = NextVeth();
        Run("ip", $"link add {inside} netns {ns} type veth peer name {outside} netns {gateway.Namespace}");
        Ip(ns, $"link set {inside} name eth0");
        Ip(ns, $"addr add {InternetHost}/24 dev eth0");
        Ip(ns, "link set eth0 up");
        Ip(gateway.Namespace, $"link set {outside} name eth1");
        Ip(gateway.Namespace, "addr add 198.51.100.1/24 dev eth1");
        Ip(gateway.Namespace, "link set eth1 up");
        return ns;
    }

    public Dictionary<string, string?> MeshAddresses { get; } = [];

    /// <summary>Writes the CA, a certificate and a node.yaml per host (<paramref name="extraYaml"/> is appended per node).</summary>
    public void WritePki(int _ = 0, Func<LabNode, string>? extraYaml = null, Func<LabNode, string>? firewall = null)
    {
        string pki = Directory.CreateDirectory(Path.Combine(WorkDir, "pki")).FullName;
        if (!File.Exists(Path.Combine(pki, "ca.crt")))
        {
            Ca.Save(pki);
        }

        string[] coordinators = Nodes.Where(n => n.Type == NodeType.Coordinator).Select(n => $"\"{n.Underlay}:443\"").ToArray();
        foreach (LabNode node in Nodes)
        {
            string dir = Directory.CreateDirectory(Path.Combine(WorkDir, node.Name)).FullName;
            using var key = X25519KeyPair.Generate();
            IPv4Network? address = MeshAddresses[node.Name] is { } a ? IPv4Network.Parse(a) : null;
            MeshCertificate cert = Ca.Sign(node.Name, address, node.Groups, key.PublicKey, TimeSpan.FromDays(1), DateTimeOffset.UtcNow);
            node.CertPath = Path.Combine(dir, node.Name + ".crt");
            CertificateFile.Write(node.CertPath, cert, overwrite: true);
            CertificateFile.WriteKey(Path.Combine(dir, node.Name + ".key"), key, overwrite: true);
            node.ConfigPath = Path.Combine(dir, "node.yaml");
            node.LogPath = Path.Combine(dir, "node.log");
            string fw = firewall?.Invoke(node) ?? "    - { proto: icmp, groups: [any] }\n    - { proto: tcp, port: 5201, groups: [any] }\n";
            var yaml = new StringBuilder();
            yaml.Append(CultureInfo.InvariantCulture, $"""
                node_name: "{node.Name}"
                node_type: {node.Type.ToString().ToLowerInvariant()}
                listen_port: 443
                udp_port: 4242
                network:
                  name: lab
                  cidr: "100.64.0.0/16"
                coordinators: [{string.Join(", ", node.Type == NodeType.Coordinator ? [] : coordinators)}]
                pki:
                  ca_file: {Path.Combine(pki, "ca.crt")}
                  cert_file: {node.CertPath}
                  key_file: {Path.Combine(dir, node.Name + ".key")}
                security:
                  use_tls: true
                  stealth_mode: true
                  sni: "www.example.com"
                api:
                  listen: "{node.ApiAddress}"
                storage:
                  type: sqlite
                  path: {Path.Combine(dir, "registry.db")}
                logging:
                  level: info
                firewall:
                  inbound:

                """);
            yaml.Append(fw);
            yaml.Append(extraYaml?.Invoke(node) ?? "");
            File.WriteAllText(node.ConfigPath, yaml.ToString());
        }
    }

    public void StartAll()
    {
        foreach (LabNode node in Nodes)
        {
            Start(node);
        }
    }

    public void Start(LabNode node)
    {
        string command = $"exec ip netns exec {node.Namespace} {_exe.Command($"mesh run --config \"{node.ConfigPath}\"")} >>\"{node.LogPath}\" 2>&1";
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(command);
        node.Process = Process.Start(start) ?? throw new IOException($"cannot start {node.Name}");
    }

    /// <summary>SIGKILL, as a crash would (no cleanup by the node itself).</summary>
    public void Kill(LabNode node)
    {
        if (node.Process is { HasExited: false } p)
        {
            p.Kill();
            p.WaitForExit(5000);
        }

        node.Process?.Dispose();
        node.Process = null;
    }

    public async Task WaitHealthyAsync(TimeSpan timeout, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        foreach (LabNode node in Nodes)
        {
            while (!Exec(node.Namespace, $"curl -sf -m 2 http://{node.ApiAddress}/health", out _))
            {
                if (node.Process is { HasExited: true })
                {
                    throw new InvalidOperationException($"{node.Name} exited: {Tail(node.LogPath)}");
                }

                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"{node.Name} not healthy within {timeout.TotalSeconds} s: {Tail(node.LogPath)}");
                }

                await Task.Delay(200, ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Runs a command inside a namespace; true on exit code 0.</summary>
    public bool Exec(string ns, string command, out string output, int timeoutMs = 60_000) => RunCapture("ip", $"netns exec {ns} {command}", out output, timeoutMs);

    public void Exec(string ns, string command)
    {
        if (!Exec(ns, command, out string output))
        {
            throw new IOException($"in {ns}: {command} failed: {output}");
        }
    }

    public void Nft(string ns, string rules) => Run("ip", $"netns exec {ns} nft -f -", rules);

    public static string Tail(string path, int lines = 15) =>
        File.Exists(path) ? string.Join('\n', File.ReadAllLines(path).TakeLast(lines)) : "(no log)";

    public async ValueTask DisposeAsync()
    {
        foreach (LabNode node in Nodes)
        {
            if (node.Process is { HasExited: false } p)
            {
                Run("kill", $"-TERM {p.Id.ToString(CultureInfo.InvariantCulture)}", check: false);
            }
        }

        foreach (LabNode node in Nodes)
        {
            if (node.Process is { } p)
            {
                using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                try
                {
                    await p.WaitForExitAsync(wait.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    p.Kill();
                }

                p.Dispose();
                node.Process = null;
            }
        }

        foreach (string ns in Enumerable.Reverse(_namespaces))
        {
            DeleteNamespace(ns);
        }

        _namespaces.Clear();
    }

    private void AddNamespace(string ns)
    {
        Run("ip", $"netns add {ns}");
        _namespaces.Add(ns);
        Ip(ns, "link set lo up");
    }

    /// <summary>A veth from <paramref name="ns"/> (named <paramref name="device"/>) to the hub's bridge.</summary>
    private void Plug(string ns, string device, string address)
    {
        string inside = NextVeth(), outside = NextVeth();
        Run("ip", $"link add {inside} netns {ns} type veth peer name {outside} netns {Hub}");
        Ip(ns, $"link set {inside} name {device}");
        Ip(ns, $"addr add {address} dev {device}");
        Ip(ns, $"link set {device} up");
        Ip(Hub, $"link set {outside} master br0");
        Ip(Hub, $"link set {outside} up");
    }

    private string NextVeth() => $"{_short}{_vethCounter++}";

    private static void Ip(string ns, string arguments) => Run("ip", $"-n {ns} {arguments}");

    private static void DeleteNamespace(string ns)
    {
        // Processes still inside (a node that ignored SIGTERM) would keep it alive: end them by PID first.
        if (RunCapture("ip", $"netns pids {ns}", out string pids, 5000))
        {
            foreach (string pid in pids.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                Run("kill", $"-KILL {pid}", check: false);
            }
        }

        Run("ip", $"netns del {ns}", check: false);
    }

    /// <summary>Namespaces named ar-PID-… whose PID no longer runs were left by a run that died: remove them.</summary>
    private static void RemoveStale()
    {
        if (!RunCapture("ip", "netns list", out string list, 5000))
        {
            return;
        }

        foreach (string line in list.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string ns = line.Split(' ')[0];
            string[] parts = ns.Split('-');
            if (parts.Length >= 3 && parts[0] == "ar" && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int pid) && !Directory.Exists($"/proc/{pid}"))
            {
                DeleteNamespace(ns);
            }
        }
    }

    private static void Run(string file, string arguments, string? input = null, bool check = true)
    {
        if (!RunCapture(file, arguments, out string output, 30_000, input) && check)
        {
            throw new IOException($"{file} {arguments} failed: {output.Trim()}");
        }
    }

    private static void Run(string file, string arguments, bool check) => Run(file, arguments, null, check);

    private static bool RunCapture(string file, string arguments, out string output, int timeoutMs, string? input = null)
    {
        var start = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = input is not null, UseShellExecute = false };
        using Process p = Process.Start(start) ?? throw new IOException($"cannot start {file}");
        if (input is not null)
        {
            p.StandardInput.Write(input);
            p.StandardInput.Close();
        }

        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeoutMs))
        {
            p.Kill(entireProcessTree: true);
            output = $"timed out after {timeoutMs} ms";
            return false;
        }

        output = stdout.Result + stderr.Result;
        return p.ExitCode == 0;
    }
}
