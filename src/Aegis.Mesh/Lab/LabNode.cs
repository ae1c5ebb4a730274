using System.Diagnostics;
using Aegis.Mesh.Session;

namespace Aegis.Mesh.Lab;

/// <summary>One host of a <see cref="NamespaceLab"/>: its namespace, underlay address, mesh role and (while running) its process.</summary>
public sealed class LabNode
{
    public required string Name { get; init; }

    public required string Namespace { get; init; }

    /// <summary>The address other hosts reach it at (for a host behind NAT: its private address).</summary>
    public required string Underlay { get; init; }

    public NodeType Type { get; set; } = NodeType.Node;

    public string? MeshAddress { get; set; }

    public List<string> Groups { get; } = [];

    public string ApiAddress => "127.0.0.1:8080";

    public string ConfigPath { get; set; } = "";

    public string CertPath { get; set; } = "";

    public string LogPath { get; set; } = "";

    public Process? Process { get; set; }

    public bool BehindNat { get; init; }

    public override string ToString() => $"{Name} ({Namespace}, {Underlay})";
}
