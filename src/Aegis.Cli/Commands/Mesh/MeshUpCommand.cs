using System.CommandLine;
using Aegis.Mesh.Lab;

namespace Aegis.Cli.Commands.Mesh;

/// <summary>
/// `aegis mesh up [--nodes 3]`: the one-command demo (root). Network namespaces on this machine joined by a private
/// bridge, a coordinator and N nodes running this very executable, and the shell line to ping across the mesh;
/// Ctrl+C removes everything it created.
/// </summary>
public static class MeshUpCommand
{
    public static Command Create()
    {
        var nodes = new Option<int>("--nodes", "-n") { Description = "how many nodes besides the coordinator (1-20)", DefaultValueFactory = _ => 3 };
        var dir = new Option<string?>("--dir") { Description = "where certificates, configs and logs go (default: a new temporary directory)" };
        var command = new Command("up", "demo: a coordinator and N nodes in network namespaces on this machine (root)") { nodes, dir };
        command.SetAction(async (parse, outer) =>
        {
            int n = parse.GetValue(nodes);
            if (n is < 1 or > 20)
            {
                return CliErrors.Report("mesh up", [$"--nodes: {n} — expected 1 to 20"]);
            }

            if (Environment.UserName != "root" && !string.Equals(Environment.GetEnvironmentVariable("USER"), "root", StringComparison.Ordinal))
            {
                return CliErrors.Fail("mesh up", "needs root (it creates network namespaces, a bridge and TUN devices)");
            }

            using var stop = new ShutdownSignal(outer);
            string work = parse.GetValue(dir) ?? Directory.CreateTempSubdirectory("aegisray-up-").FullName;
            await using var lab = new NamespaceLab(work, LabExecutable.Current());
            try
            {
                lab.CreateTopology(n);
                lab.WritePki(n);
                lab.StartAll();
                await lab.WaitHealthyAsync(TimeSpan.FromSeconds(30), stop.Token);
            }
            catch (Exception ex) when (ex is IOException or TimeoutException or InvalidOperationException)
            {
                return CliErrors.Fail("mesh up", ex.Message);
            }

            Console.WriteLine($"AegisRay demo: coordinator + {n} nodes in namespaces {lab.Prefix}-*, files in {work}");
            foreach (LabNode node in lab.Nodes)
            {
                Console.WriteLine($"  {node.Name,-8} namespace {node.Namespace,-16} underlay {node.Underlay,-13} mesh {node.MeshAddress ?? "-",-13} api http://{node.ApiAddress}");
            }

            LabNode first = lab.Nodes.First(x => x.Name == "node1");
            LabNode last = lab.Nodes.Last(x => x.MeshAddress is not null);
            Console.WriteLine();
            Console.WriteLine("try, in another terminal:");
            Console.WriteLine($"  ip netns exec {first.Namespace} ping -c 3 {last.MeshAddress}");
            Console.WriteLine($"  ip netns exec {first.Namespace} curl -s http://{first.ApiAddress}/peers");
            Console.WriteLine("Ctrl+C removes the namespaces, the bridge, the devices and the processes");
            try
            {
                await Task.Delay(Timeout.Infinite, stop.Token);
            }
            catch (OperationCanceledException)
            {
            }

            return CliApp.Ok;
        });
        return command;
    }
}
