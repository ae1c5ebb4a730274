using System.CommandLine;

namespace Aegis.Cli.Commands.Mesh;

/// <summary>`aegis mesh …`: AegisRay, the mesh VPN (contracts/aegisray.md).</summary>
public static class MeshCommand
{
    public static Command Create() => new("mesh", "AegisRay: the mesh VPN (certificates, nodes, coordinators, relays, exits)")
    {
        MeshPkiCommands.Ca(),
        MeshPkiCommands.Cert(),
        MeshPkiCommands.Revoke(),
        MeshRunCommand.Create(),
        MeshClientCommands.Status(),
        MeshClientCommands.Peers(),
        MeshUpCommand.Create(),
        MeshBackupCommands.Backup(),
        MeshBackupCommands.Restore(),
        MeshBenchCommand.Create(),
    };
}
