using Aegis.Mesh.Lab;
using Aegis.Mesh.Session;

namespace Aegis.Mesh.Tests.Namespaces;

/// <summary>
/// One topology for the namespace tests: two coordinators, a relay, nodes a (group admins), b, c on one bridge, d
/// behind a masquerading NAT gateway, an exit node with an "internet" namespace behind it and e, a client that sends
/// its internet traffic through the exit (use_exit) — each in its own namespace running `aegis mesh run`. Removed at the end, also when
/// a test fails (the lab deletes every namespace it made; processes are ended by PID).
/// </summary>
public sealed class MeshLabFixture : IAsyncLifetime
{
    public NamespaceLab? Lab { get; private set; }

    public string? SkipReason { get; private set; }

    public LabNode this[string name] => Lab!.Nodes.First(n => n.Name == name);

    /// <summary>The namespace behind the exit node standing for the internet (<see cref="NamespaceLab.InternetHost"/>).</summary>
    public string Internet { get; private set; } = "";

    public async Task InitializeAsync()
    {
        SkipReason = NamespaceEnvironment.Missing();
        if (SkipReason is not null)
        {
            if (NamespaceEnvironment.IsCi)
            {
                throw new InvalidOperationException($"CI=true but the namespace tests cannot run: {SkipReason}; {NamespaceEnvironment.Hint}");
            }

            return;
        }

        Lab = new NamespaceLab(Directory.CreateTempSubdirectory("aegisray-ns-").FullName, LabExecutable.FromDll(NamespaceEnvironment.AegisDll()));
        try
        {
            Lab.CreateHub();
            Lab.AddHost("coord1", NodeType.Coordinator, 1, "100.64.0.1/16");
            Lab.AddHost("coord2", NodeType.Coordinator, 2, "100.64.0.2/16");
            Lab.AddHost("relay", NodeType.Relay, 3, "100.64.0.3/16");
            Lab.AddHost("a", NodeType.Node, 11, "100.64.0.11/16", "admins");
            Lab.AddHost("b", NodeType.Node, 12, "100.64.0.12/16");
            Lab.AddHost("c", NodeType.Node, 13, "100.64.0.13/16");
            Lab.AddHostBehindNat("d", 20, "100.64.0.20/16");
            LabNode exit = Lab.AddHost("exit", NodeType.Exit, 30, "100.64.0.30/16");
            Lab.AddHost("e", NodeType.Node, 40, "100.64.0.40/16");
            Internet = Lab.AddInternetBehind(exit);
            Lab.WritePki(extraYaml: n => n.Name switch
            {
                "exit" => "exit:\n  enabled: true\n",
                "e" => "use_exit: \"exit\"\n",
                _ => "",
            }, firewall: _ =>
                "    - { proto: icmp, groups: [any] }\n" +
                "    - { proto: tcp, port: 5201, groups: [any] }\n" +
                "    - { proto: tcp, port: 5202, groups: [admins] }\n");
            Lab.StartAll();
            await Lab.WaitHealthyAsync(TimeSpan.FromSeconds(60), CancellationToken.None);
        }
        catch
        {
            await Lab.DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        if (Lab is not null)
        {
            await Lab.DisposeAsync();
        }
    }
}
