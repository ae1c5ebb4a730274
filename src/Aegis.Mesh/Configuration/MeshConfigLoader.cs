using System.Globalization;
using Aegis.Mesh.Firewall;
using Aegis.Mesh.Noise;
using Aegis.Mesh.Pki;
using Aegis.Mesh.Session;
using Aegis.Node.Configuration;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Aegis.Mesh.Configuration;

/// <summary>
/// node.yaml → <see cref="MeshConfig"/>: every key of the contract, the AEGISRAY_* overrides, relative paths resolved
/// against the file's folder, then validation. It never stops at the first mistake: each problem is one line naming
/// the key, what it holds and what was expected (the CLI prints them and exits 2).
/// </summary>
public static class MeshConfigLoader
{
    private const int MaxFileChars = 1024 * 1024;

    private static readonly Dictionary<string, string[]> Sections = new(StringComparer.Ordinal)
    {
        [""] = ["node_name", "node_type", "listen_port", "udp_port", "listen_host", "network", "coordinators", "pki", "security", "performance", "exit", "use_exit", "firewall", "storage", "api", "logging", "tun"],
        ["network"] = ["name", "cidr"],
        ["pki"] = ["ca_file", "cert_file", "key_file"],
        ["security"] = ["use_tls", "stealth_mode", "sni", "cipher"],
        ["performance"] = ["max_peers", "udp_offload"],
        ["exit"] = ["enabled"],
        ["firewall"] = ["inbound", "outbound"],
        ["storage"] = ["type", "connection_string", "path"],
        ["api"] = ["listen"],
        ["logging"] = ["level", "file"],
        ["tun"] = ["name", "mtu", "enabled"],
    };

    private static readonly string[] RuleKeys = ["proto", "port", "groups", "group", "host", "hosts", "cidr"];

    /// <param name="requireFiles">false for restore: the PKI files are what is about to be written.</param>
    public static (MeshConfig? Config, List<string> Problems) Load(string path, IReadOnlyDictionary<string, string?> environment, bool requireFiles = true)
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(path) || !File.Exists(path))
        {
            return (null, [$"config: {(string.IsNullOrWhiteSpace(path) ? "(empty)" : path)} — file not found; expected a node.yaml"]);
        }

        string text;
        using (var reader = new StreamReader(path))
        {
            var buffer = new char[MaxFileChars + 1];
            int read = reader.ReadBlock(buffer, 0, buffer.Length);
            if (read > MaxFileChars)
            {
                return (null, [$"config: {path} — larger than {MaxFileChars} characters; expected a node.yaml"]);
            }

            text = new string(buffer, 0, read);
        }

        // The node's reader: syntax errors with their position, and no aliases or deep nesting (YamlDotNet resolves an
        // alias that contains itself recursively: an uncatchable stack overflow, found by fuzzing the node's config).
        if (YamlDocumentReader.Read(text, out string? yamlProblem) is not { } root)
        {
            return (null, [yamlProblem!]);
        }

        var config = new MeshConfig { ConfigPath = Path.GetFullPath(path) };
        var values = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        Flatten(root, "", values, problems);
        Bind(config, values, problems);
        ApplyEnvironment(config, environment, problems);
        string dir = Path.GetDirectoryName(config.ConfigPath)!;
        config.CaFile = Resolve(dir, config.CaFile);
        config.CertFile = Resolve(dir, config.CertFile);
        config.KeyFile = Resolve(dir, config.KeyFile);
        config.StoragePath = Resolve(dir, config.StoragePath);
        config.LogFile = Resolve(dir, config.LogFile);
        Validate(config, problems, requireFiles);
        return (problems.Count == 0 ? config : null, problems);
    }

    public static IReadOnlyDictionary<string, string?> ProcessEnvironment() =>
        Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>().ToDictionary(e => (string)e.Key, e => (string?)e.Value);

    private static string Resolve(string dir, string path) => path.Length == 0 || Path.IsPathRooted(path) ? path : Path.GetFullPath(Path.Combine(dir, path));

    private static void Flatten(YamlMappingNode mapping, string prefix, Dictionary<string, YamlNode> values, List<string> problems)
    {
        string[] allowed = Sections[prefix.TrimEnd('.')];
        foreach ((YamlNode keyNode, YamlNode value) in mapping.Children)
        {
            string key = (keyNode as YamlScalarNode)?.Value ?? "";
            string full = prefix + key;
            if (!allowed.Contains(key))
            {
                problems.Add($"{full}: unknown key at line {keyNode.Start.Line} (expected one of {string.Join(", ", allowed)})");
                continue;
            }

            if (Sections.ContainsKey(full) && full != "firewall")
            {
                if (value is YamlMappingNode section)
                {
                    Flatten(section, full + ".", values, problems);
                }
                else if (!IsNull(value))
                {
                    problems.Add($"{full}: expected a section with keys {string.Join(", ", Sections[full])} (line {value.Start.Line})");
                }

                continue;
            }

            if (full == "firewall")
            {
                if (value is YamlMappingNode fw)
                {
                    foreach ((YamlNode k, YamlNode v) in fw.Children)
                    {
                        string direction = (k as YamlScalarNode)?.Value ?? "";
                        if (direction is "inbound" or "outbound")
                        {
                            values["firewall." + direction] = v;
                        }
                        else
                        {
                            problems.Add($"firewall.{direction}: unknown key at line {k.Start.Line} (expected inbound or outbound)");
                        }
                    }
                }
                else if (!IsNull(value))
                {
                    problems.Add($"firewall: expected a section with inbound and outbound rule lists (line {value.Start.Line})");
                }

                continue;
            }

            values[full] = value;
        }
    }

    private static void Bind(MeshConfig c, Dictionary<string, YamlNode> v, List<string> problems)
    {
        Text(v, "node_name", s => c.NodeName = s, problems);
        Text(v, "node_type", s => c.NodeType = ParseNodeType(s, "node_type", problems) ?? c.NodeType, problems);
        Port(v, "listen_port", p => c.ListenPort = p, problems, allowZero: false);
        Port(v, "udp_port", p => c.UdpPort = p, problems, allowZero: true);
        Text(v, "listen_host", s => c.ListenHost = s, problems);
        Text(v, "network.name", s => c.NetworkName = s, problems);
        Text(v, "network.cidr", s => Parse("network.cidr", s, IPv4Network.Parse, n => c.Cidr = n, problems), problems);
        List(v, "coordinators", l => c.Coordinators = l, problems);
        Text(v, "pki.ca_file", s => c.CaFile = s, problems);
        Text(v, "pki.cert_file", s => c.CertFile = s, problems);
        Text(v, "pki.key_file", s => c.KeyFile = s, problems);
        Flag(v, "security.use_tls", b => c.UseTls = b, problems);
        Flag(v, "security.stealth_mode", b => c.StealthMode = b, problems);
        Text(v, "security.sni", s => c.Sni = s, problems);
        Text(v, "security.cipher", s =>
        {
            NoiseCipherKind? kind = s switch { "aes" or "aesgcm" => NoiseCipherKind.AesGcm, "chachapoly" or "chacha" => NoiseCipherKind.ChaChaPoly, _ => null };
            if (kind is null)
            {
                problems.Add($"security.cipher: '{s}' — expected aes or chachapoly");
            }
            else
            {
                c.Cipher = kind.Value;
            }
        }, problems);
        Number(v, "performance.max_peers", n => c.MaxPeers = n, problems);
        Flag(v, "performance.udp_offload", b => c.UdpOffload = b, problems);
        Flag(v, "exit.enabled", b => c.ExitEnabled = b, problems);
        Text(v, "use_exit", s => c.UseExit = s, problems);
        Text(v, "storage.type", s => c.StorageType = s, problems);
        Text(v, "storage.connection_string", s => c.ConnectionString = s, problems);
        Text(v, "storage.path", s => c.StoragePath = s, problems);
        Text(v, "api.listen", s => c.ApiListen = s, problems);
        Text(v, "logging.level", s => c.LogLevel = s.ToLowerInvariant(), problems);
        Text(v, "logging.file", s => c.LogFile = s, problems);
        Text(v, "tun.name", s => c.TunName = s, problems);
        Number(v, "tun.mtu", n => c.TunMtu = n, problems);
        Flag(v, "tun.enabled", b => c.TunEnabled = b, problems);
        if (v.TryGetValue("firewall.inbound", out YamlNode? inbound))
        {
            c.Inbound = Rules("firewall.inbound", inbound, problems);
        }

        if (v.TryGetValue("firewall.outbound", out YamlNode? outbound) && !IsNull(outbound))
        {
            c.Outbound = Rules("firewall.outbound", outbound, problems);
        }
    }

    private static List<FirewallRule> Rules(string key, YamlNode node, List<string> problems)
    {
        var rules = new List<FirewallRule>();
        if (IsNull(node))
        {
            return rules;
        }

        if (node is not YamlSequenceNode list)
        {
            problems.Add($"{key}: expected a list of rules such as {{ proto: tcp, port: 22, groups: [admins] }} (line {node.Start.Line})");
            return rules;
        }

        int i = 0;
        foreach (YamlNode item in list.Children)
        {
            string at = $"{key}[{i++}]";
            if (item is not YamlMappingNode rule)
            {
                problems.Add($"{at}: expected a rule mapping with proto, port and groups, host or cidr (line {item.Start.Line})");
                continue;
            }

            string proto = "any", port = "any";
            var groups = new List<string>();
            var hosts = new List<string>();
            var cidrs = new List<IPv4Network>();
            bool ok = true;
            foreach ((YamlNode k, YamlNode val) in rule.Children)
            {
                string name = (k as YamlScalarNode)?.Value ?? "";
                List<string> items = val is YamlSequenceNode seq ? seq.Children.OfType<YamlScalarNode>().Select(s => s.Value ?? "").ToList() : [(val as YamlScalarNode)?.Value ?? ""];
                switch (name)
                {
                    case "proto": proto = items[0]; break;
                    case "port": port = items[0]; break;
                    case "groups" or "group": groups.AddRange(items); break;
                    case "host" or "hosts": hosts.AddRange(items); break;
                    case "cidr":
                        foreach (string cidr in items)
                        {
                            if (IPv4Network.TryParse(cidr, out IPv4Network n))
                            {
                                cidrs.Add(n);
                            }
                            else
                            {
                                problems.Add($"{at}.cidr: '{cidr}' — expected a CIDR such as 100.64.1.0/24");
                                ok = false;
                            }
                        }

                        break;
                    default:
                        problems.Add($"{at}.{name}: unknown key (expected one of {string.Join(", ", RuleKeys)})");
                        ok = false;
                        break;
                }
            }

            byte? protocol = null;
            (ushort from, ushort to) ports = (0, ushort.MaxValue);
            try
            {
                protocol = FirewallRule.ParseProtocol(proto);
            }
            catch (FormatException ex)
            {
                problems.Add($"{at}.proto: {ex.Message}");
                ok = false;
            }

            try
            {
                ports = FirewallRule.ParsePorts(port);
            }
            catch (FormatException ex)
            {
                problems.Add($"{at}.port: {ex.Message}");
                ok = false;
            }

            if (groups.Count == 0 && hosts.Count == 0 && cidrs.Count == 0)
            {
                problems.Add($"{at}: names nobody — give groups (e.g. [any]), host or cidr");
                ok = false;
            }

            if (ok)
            {
                rules.Add(new FirewallRule(protocol, ports.from, ports.to, groups, hosts, cidrs));
            }
        }

        return rules;
    }

    private static void ApplyEnvironment(MeshConfig c, IReadOnlyDictionary<string, string?> env, List<string> problems)
    {
        if (env.TryGetValue("AEGISRAY_NODE_TYPE", out string? type) && !string.IsNullOrEmpty(type))
        {
            c.NodeType = ParseNodeType(type, "AEGISRAY_NODE_TYPE", problems) ?? c.NodeType;
        }

        if (env.TryGetValue("AEGISRAY_ENVIRONMENT", out string? environment) && !string.IsNullOrEmpty(environment))
        {
            c.NetworkName = environment;
        }

        if (env.TryGetValue("AEGISRAY_LOG_LEVEL", out string? level) && !string.IsNullOrEmpty(level))
        {
            c.LogLevel = level.ToLowerInvariant();
        }

        if (env.TryGetValue("AEGISRAY_MESH_NETWORK", out string? network) && !string.IsNullOrEmpty(network))
        {
            Parse("AEGISRAY_MESH_NETWORK", network, IPv4Network.Parse, n => c.Cidr = n, problems);
        }
    }

    private static void Validate(MeshConfig c, List<string> problems, bool requireFiles)
    {
        if (!MeshCertificate.IsValidName(c.NodeName))
        {
            problems.Add($"node_name: '{c.NodeName}' — required: 1-64 letters, digits, '.', '_' or '-'");
        }

        if (c.Cidr.PrefixLength is < 8 or > 30 || c.Cidr.Address != c.Cidr.NetworkAddress)
        {
            problems.Add($"network.cidr: '{c.Cidr}' — expected a network address with a prefix of /8 to /30, such as 100.64.0.0/16");
        }

        foreach (string coordinator in c.Coordinators)
        {
            if (!TryHostPort(coordinator, out _, out _))
            {
                problems.Add($"coordinators: '{coordinator}' — expected host:port, such as 198.51.100.7:443");
            }
        }

        if (c.NodeType != NodeType.Coordinator && c.Coordinators.Count == 0)
        {
            problems.Add("coordinators: empty — a non-coordinator node needs at least one coordinator (host:port)");
        }

        foreach ((string key, string file) in new[] { ("pki.ca_file", c.CaFile), ("pki.cert_file", c.CertFile), ("pki.key_file", c.KeyFile) })
        {
            if (file.Length == 0)
            {
                problems.Add($"{key}: required (the path of the {(key == "pki.ca_file" ? "CA certificate (bundle)" : key == "pki.cert_file" ? "node certificate" : "node key")})");
            }
            else if (requireFiles && !File.Exists(file))
            {
                problems.Add($"{key}: {file} — file not found");
            }
        }

        if (c.StealthMode && (!c.UseTls || c.Sni.Length == 0))
        {
            problems.Add("security.stealth_mode: needs security.use_tls: true and a security.sni server name");
        }

        if (c.MaxPeers is < 1 or > 100_000)
        {
            problems.Add($"performance.max_peers: {c.MaxPeers} — expected 1 to 100000");
        }

        if (c.ExitEnabled && c.NodeType != NodeType.Exit)
        {
            problems.Add($"exit.enabled: true on a {c.NodeType.ToString().ToLowerInvariant()} — only an exit node (node_type: exit) routes internet traffic");
        }

        if (c.UseExit.Length > 0 && c.NodeType is NodeType.Exit or NodeType.Coordinator)
        {
            problems.Add("use_exit: only ordinary nodes send their internet traffic through an exit node");
        }

        if (c.StorageType is not ("sqlite" or "postgresql"))
        {
            problems.Add($"storage.type: '{c.StorageType}' — expected sqlite or postgresql");
        }
        else if (c.StorageType == "postgresql" && c.ConnectionString.Length == 0)
        {
            problems.Add("storage.connection_string: required when storage.type is postgresql");
        }

        if (!TryHostPort(c.ApiListen, out _, out _))
        {
            problems.Add($"api.listen: '{c.ApiListen}' — expected host:port, such as 127.0.0.1:8080");
        }

        if (c.LogLevel is not ("trace" or "debug" or "info" or "warning" or "error"))
        {
            problems.Add($"logging.level: '{c.LogLevel}' — expected trace, debug, info, warning or error");
        }

        if (c.TunMtu is < 576 or > 9000)
        {
            problems.Add($"tun.mtu: {c.TunMtu} — expected 576 to 9000");
        }

        if (c.TunName.Length is 0 or > 15)
        {
            problems.Add($"tun.name: '{c.TunName}' — expected 1 to 15 characters (a Linux interface name)");
        }
    }

    public static bool TryHostPort(string text, out string host, out ushort port)
    {
        host = "";
        port = 0;
        int colon = text.LastIndexOf(':');
        if (colon <= 0 || !ushort.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out port) || port == 0)
        {
            return false;
        }

        host = text[..colon].Trim('[', ']');
        return host.Length > 0;
    }

    private static NodeType? ParseNodeType(string text, string key, List<string> problems)
    {
        NodeType? type = text.ToLowerInvariant() switch
        {
            "coordinator" => NodeType.Coordinator,
            "relay" => NodeType.Relay,
            "exit" => NodeType.Exit,
            "node" => NodeType.Node,
            _ => null,
        };
        if (type is null)
        {
            problems.Add($"{key}: '{text}' — expected coordinator, relay, exit or node");
        }

        return type;
    }

    private static void Parse<T>(string key, string text, Func<string, T> parse, Action<T> set, List<string> problems)
    {
        try
        {
            set(parse(text));
        }
        catch (FormatException ex)
        {
            problems.Add($"{key}: {ex.Message}");
        }
    }

    private static bool IsNull(YamlNode node) => node is YamlScalarNode { Value: null or "" or "~" or "null" } s && s.Style == ScalarStyle.Plain;

    private static void Text(Dictionary<string, YamlNode> v, string key, Action<string> set, List<string> problems)
    {
        if (!v.TryGetValue(key, out YamlNode? node))
        {
            return;
        }

        if (node is YamlScalarNode scalar)
        {
            set(IsNull(scalar) ? "" : scalar.Value ?? "");
        }
        else
        {
            problems.Add($"{key}: expected a single value (line {node.Start.Line})");
        }
    }

    private static void Number(Dictionary<string, YamlNode> v, string key, Action<int> set, List<string> problems) => Text(v, key, s =>
    {
        if (int.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int n))
        {
            set(n);
        }
        else
        {
            problems.Add($"{key}: '{s}' — expected a whole number");
        }
    }, problems);

    private static void Port(Dictionary<string, YamlNode> v, string key, Action<ushort> set, List<string> problems, bool allowZero) => Text(v, key, s =>
    {
        if (ushort.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out ushort p) && (allowZero || p != 0))
        {
            set(p);
        }
        else
        {
            problems.Add($"{key}: '{s}' — expected a port, {(allowZero ? 0 : 1)} to 65535{(allowZero ? " (0: off)" : "")}");
        }
    }, problems);

    private static void Flag(Dictionary<string, YamlNode> v, string key, Action<bool> set, List<string> problems) => Text(v, key, s =>
    {
        if (bool.TryParse(s, out bool b))
        {
            set(b);
        }
        else
        {
            problems.Add($"{key}: '{s}' — expected true or false");
        }
    }, problems);

    private static void List(Dictionary<string, YamlNode> v, string key, Action<List<string>> set, List<string> problems)
    {
        if (!v.TryGetValue(key, out YamlNode? node) || IsNull(node))
        {
            return;
        }

        if (node is YamlSequenceNode seq && seq.Children.All(c => c is YamlScalarNode))
        {
            set(seq.Children.Cast<YamlScalarNode>().Select(s => (s.Value ?? "").Trim()).Where(s => s.Length > 0).ToList());
        }
        else if (node is YamlScalarNode scalar)
        {
            set((scalar.Value ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList());
        }
        else
        {
            problems.Add($"{key}: expected a list of strings (line {node.Start.Line})");
        }
    }
}
