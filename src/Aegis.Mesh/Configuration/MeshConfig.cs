using Aegis.Mesh.Firewall;
using Aegis.Mesh.Noise;
using Aegis.Mesh.Pki;
using Aegis.Mesh.Session;

namespace Aegis.Mesh.Configuration;

/// <summary>node.yaml after loading and validation (the contract's keys; extensions are marked).</summary>
public sealed class MeshConfig
{
    public string ConfigPath { get; set; } = "";

    public string NodeName { get; set; } = "";

    public NodeType NodeType { get; set; } = NodeType.Node;

    public ushort ListenPort { get; set; } = 443;

    public ushort UdpPort { get; set; } = 4242;

    /// <summary>Extension: the address the UDP and TLS listeners bind (default all).</summary>
    public string ListenHost { get; set; } = "0.0.0.0";

    public string NetworkName { get; set; } = "production";

    public IPv4Network Cidr { get; set; } = IPv4Network.Parse("100.64.0.0/16");

    public List<string> Coordinators { get; set; } = [];

    public string CaFile { get; set; } = "";

    public string CertFile { get; set; } = "";

    public string KeyFile { get; set; } = "";

    public bool UseTls { get; set; } = true;

    public bool StealthMode { get; set; }

    public string Sni { get; set; } = "www.example.com";

    /// <summary>Extension: <c>security.cipher</c>, aes (AES-256-GCM, default) or chachapoly; the same on every node.</summary>
    public NoiseCipherKind Cipher { get; set; } = NoiseCipherKind.AesGcm;

    public int MaxPeers { get; set; } = 50;

    /// <summary>UDP segmentation offloads (UDP_SEGMENT trains out, UDP_GRO in); off only to measure without them.</summary>
    public bool UdpOffload { get; set; } = true;

    public bool ExitEnabled { get; set; }

    public string UseExit { get; set; } = "";

    public List<FirewallRule> Inbound { get; set; } = [];

    /// <summary>Null: everything outbound is allowed.</summary>
    public List<FirewallRule>? Outbound { get; set; }

    public string StorageType { get; set; } = "sqlite";

    public string ConnectionString { get; set; } = "";

    /// <summary>Extension: <c>storage.path</c>, the SQLite registry file (default registry.db beside node.yaml).</summary>
    public string StoragePath { get; set; } = "registry.db";

    public string ApiListen { get; set; } = "127.0.0.1:8080";

    public string LogLevel { get; set; } = "info";

    public string LogFile { get; set; } = "";

    /// <summary>Extension: <c>tun.name</c> and <c>tun.mtu</c>.</summary>
    public string TunName { get; set; } = "aegis0";

    public int TunMtu { get; set; } = 1300;

    /// <summary>Extension: <c>tun.enabled</c>; coordinators and relays carry no traffic of their own and default to no TUN device.</summary>
    public bool? TunEnabled { get; set; }

    public bool HasTun => TunEnabled ?? NodeType is NodeType.Node or NodeType.Exit;
}
