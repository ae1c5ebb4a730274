using Aegis.Mesh.Pki;

namespace Aegis.Mesh.Hosting;

/// <summary>
/// Exit nodes: IP forwarding on, and an nftables table of our own that masquerades the mesh network's traffic leaving by
/// any interface but the TUN device (removed again on shutdown). Clients: the internet (0.0.0.0/1 and 128.0.0.0/1, more
/// specific than any default route, so the original default stays for the underlay) routed into the TUN device.
/// </summary>
internal sealed class ExitRouting : IDisposable
{
    private readonly string _table;
    private readonly Action _undo;

    private ExitRouting(string table, Action undo)
    {
        _table = table;
        _undo = undo;
    }

    public static ExitRouting EnableExit(string tun, IPv4Network network)
    {
        string table = $"aegisray_{tun.Replace('-', '_')}";
        File.WriteAllText("/proc/sys/net/ipv4/ip_forward", "1");
        SystemCommands.TryRun("nft", $"delete table ip {table}");
        string rules = $"table ip {table} {{\n  chain postrouting {{\n    type nat hook postrouting priority srcnat; policy accept;\n" +
            $"    ip saddr {network.Network} oifname != \"{tun}\" masquerade\n  }}\n}}\n";
        SystemCommands.Run("nft", "-f -", rules);
        return new ExitRouting(table, () => SystemCommands.TryRun("nft", $"delete table ip {table}"));
    }

    public static ExitRouting RouteInternetVia(string tun)
    {
        SystemCommands.Run("ip", $"route replace 0.0.0.0/1 dev {tun}");
        SystemCommands.Run("ip", $"route replace 128.0.0.0/1 dev {tun}");
        return new ExitRouting(tun, () =>
        {
            SystemCommands.TryRun("ip", $"route del 0.0.0.0/1 dev {tun}");
            SystemCommands.TryRun("ip", $"route del 128.0.0.0/1 dev {tun}");
        });
    }

    public override string ToString() => _table;

    public void Dispose() => _undo();
}
