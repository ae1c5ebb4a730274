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

    /// <summary>Durations as the contract writes them: 8760h, 720h, 30m, 90s, 365d.</summary>
    public static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = default;
        if (text.Length < 2 || !long.TryParse(text.AsSpan(0, text.Length - 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long n) || n <= 0)
        {
            return false;
        }

        try
        {
            duration = text[^1] switch
            {
                'd' => TimeSpan.FromDays(n),
                'h' => TimeSpan.FromHours(n),
                'm' => TimeSpan.FromMinutes(n),
                's' => TimeSpan.FromSeconds(n),
                _ => TimeSpan.Zero,
            };
        }
        catch (OverflowException)
        {
            return false;
        }

        return duration > TimeSpan.Zero && duration < TimeSpan.FromDays(365 * 100);
    }
}
