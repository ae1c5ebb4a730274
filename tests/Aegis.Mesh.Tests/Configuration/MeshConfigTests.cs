using Aegis.Mesh.Configuration;
using Aegis.Mesh.Firewall;
using Aegis.Mesh.Packets;
using Aegis.Mesh.Pki;
using Aegis.Mesh.Session;
using Aegis.Mesh.Tests.Support;

namespace Aegis.Mesh.Tests.Configuration;

/// <summary>node.yaml: every contract key binds, overrides win, and each mistake is one line naming the key.</summary>
public sealed class MeshConfigTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("aegisray-config-");

    public void Dispose() => _dir.Delete(recursive: true);

    private string Write(string yaml)
    {
        foreach (string f in new[] { "ca.crt", "n.crt", "n.key" })
        {
            File.WriteAllText(Path.Combine(_dir.FullName, f), "x");
        }

        string path = Path.Combine(_dir.FullName, "node.yaml");
        File.WriteAllText(path, yaml);
        return path;
    }

    private const string Valid = """
        node_name: "exit-1"
        node_type: exit
        listen_port: 443
        udp_port: 4242
        network:
          name: production
          cidr: "100.64.0.0/16"
        coordinators: ["198.51.100.7:443"]
        pki:
          ca_file: ca.crt
          cert_file: n.crt
          key_file: n.key
        security:
          use_tls: true
          stealth_mode: true
          sni: "www.example.com"
        performance:
          max_peers: 50
        exit:
          enabled: true
        use_exit: ""
        firewall:
          inbound:
            - { proto: icmp, groups: [any] }
            - { proto: tcp, port: 22, groups: [admins] }
        storage:
          type: sqlite
          connection_string: ""
        api:
          listen: "127.0.0.1:8080"
        logging:
          level: info
          file: ""
        """;

    [Fact]
    public void The_contract_example_loads_with_every_key_bound()
    {
        (MeshConfig? c, List<string> problems) = MeshConfigLoader.Load(Write(Valid), new Dictionary<string, string?>());
        Assert.Empty(problems);
        Assert.NotNull(c);
        Assert.Equal("exit-1", c.NodeName);
        Assert.Equal(NodeType.Exit, c.NodeType);
        Assert.Equal(IPv4Network.Parse("100.64.0.0/16"), c.Cidr);
        Assert.True(c.StealthMode);
        Assert.True(c.ExitEnabled);
        Assert.Equal(2, c.Inbound.Count);
        Assert.Equal(Path.Combine(_dir.FullName, "ca.crt"), c.CaFile);
    }

    [Fact]
    public void Firewall_rules_from_yaml_allow_the_group_and_refuse_others()
    {
        (MeshConfig? c, _) = MeshConfigLoader.Load(Write(Valid), new Dictionary<string, string?>());
        var filter = new PacketFilter(c!.Inbound, c.Outbound);
        uint me = IPv4Network.Parse("100.64.0.1").Address, peer = IPv4Network.Parse("100.64.0.2").Address;
        Assert.True(IPv4Packet.TryParse(TestPackets.Tcp(peer, me, 40000, 22), out IPv4Packet ssh));
        Assert.True(IPv4Packet.TryParse(TestPackets.Icmp(peer, me), out IPv4Packet ping));
        var admin = new MeshIdentity("adm", new HashSet<string> { "admins" });
        var guest = new MeshIdentity("guest", new HashSet<string> { "guests" });
        Assert.True(IPv4Packet.TryParse(TestPackets.Tcp(peer, me, 40001, 22), out IPv4Packet guestSsh));
        Assert.True(filter.AllowInbound(ssh, admin, 0));
        Assert.False(filter.AllowInbound(guestSsh, guest, 0));
        // The admin's flow is now tracked: its later packets pass without a rule lookup, the guest's still do not.
        Assert.True(filter.AllowInbound(ssh, guest, 0));
        Assert.True(filter.AllowInbound(ping, guest, 0));
    }

    [Fact]
    public void Environment_overrides_win_over_the_file()
    {
        var env = new Dictionary<string, string?> { ["AEGISRAY_NODE_TYPE"] = "relay", ["AEGISRAY_LOG_LEVEL"] = "DEBUG", ["AEGISRAY_ENVIRONMENT"] = "staging", ["AEGISRAY_MESH_NETWORK"] = "100.96.0.0/12" };
        (MeshConfig? c, List<string> problems) = MeshConfigLoader.Load(Write(Valid.Replace("exit:\n  enabled: true\n", "", StringComparison.Ordinal)), env);
        Assert.Empty(problems);
        Assert.Equal(NodeType.Relay, c!.NodeType);
        Assert.Equal("debug", c.LogLevel);
        Assert.Equal("staging", c.NetworkName);
        Assert.Equal(IPv4Network.Parse("100.96.0.0/12"), c.Cidr);
    }

    [Fact]
    public void A_bad_file_gets_one_line_per_problem_naming_each_key()
    {
        string bad = """
            node_name: "bad name!"
            node_type: gateway
            listen_port: 0
            udp_port: seventy
            network:
              cidr: "100.64.0.0/33"
            coordinators: ["nohost"]
            pki:
              ca_file: missing.crt
            security:
              stealth_mode: maybe
            firewall:
              inbound:
                - { proto: sctp, port: 99999, groups: [any] }
                - { proto: tcp }
            storage:
              type: mongodb
            api:
              listen: "localhost"
            logging:
              level: loud
            colour: blue
            """;
        (MeshConfig? c, List<string> problems) = MeshConfigLoader.Load(Write(bad), new Dictionary<string, string?>());
        Assert.Null(c);
        string all = string.Join('\n', problems);
        foreach (string key in new[] { "node_name:", "node_type:", "listen_port:", "udp_port:", "network.cidr:", "coordinators:", "pki.ca_file:", "pki.cert_file:", "security.stealth_mode:", "firewall.inbound[0].proto:", "firewall.inbound[0].port:", "firewall.inbound[1]:", "storage.type:", "api.listen:", "logging.level:", "colour: unknown key" })
        {
            Assert.Contains(key, all, StringComparison.Ordinal);
        }

        Assert.All(problems, p => Assert.DoesNotContain('\n', p));
    }

    [Fact]
    public void Broken_yaml_is_one_line_with_its_position()
    {
        (MeshConfig? c, List<string> problems) = MeshConfigLoader.Load(Write("node_name: [unclosed\n"), new Dictionary<string, string?>());
        Assert.Null(c);
        Assert.Single(problems);
        Assert.Contains("line", problems[0], StringComparison.Ordinal);
    }

    [Fact]
    public void A_self_referencing_alias_is_refused_with_one_line_instead_of_overflowing_the_stack()
    {
        // YamlDotNet's tree builder resolves this alias recursively; before the loader used the node's reader it crashed
        // the process (a stack overflow cannot be caught).
        (MeshConfig? c, List<string> problems) = MeshConfigLoader.Load(Write("node_name: &a [*a]\n"), new Dictionary<string, string?>());
        Assert.Null(c);
        Assert.Equal("alias", Assert.Single(problems).Split(' ')[1]);
    }
}
