using System.CommandLine;
using System.Globalization;
using Aegis.Mesh.Lab;

namespace Aegis.Cli.Commands.Mesh;

/// <summary>`aegis mesh bench-idle --peers 1000`: memory per idle peer, one engine holding N real tunnels (bench/compare-nebula.sh).</summary>
public static class MeshBenchCommand
{
    public static Command Create()
    {
        var peers = new Option<int>("--peers") { Description = "idle peers to hold", DefaultValueFactory = _ => 1000 };
        var command = new Command("bench-idle", "measure memory per idle peer: one node with N tunnels in this process") { peers };
        command.SetAction(parse =>
        {
            int n = parse.GetValue(peers);
            if (n is < 10 or > 100_000)
            {
                return CliErrors.Report("mesh bench-idle", [$"--peers: {n} — expected 10 to 100000"]);
            }

            (double managed, double rss, int count) = IdlePeerBench.Run(n);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"peers={count} managed_bytes_per_peer={managed:0} rss_bytes_per_peer={rss:0}"));
            return CliApp.Ok;
        });
        return command;
    }
}
