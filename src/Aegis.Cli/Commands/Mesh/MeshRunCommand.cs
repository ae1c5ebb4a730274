using System.CommandLine;
using Aegis.Mesh.Configuration;
using Aegis.Mesh.Engine;
using Aegis.Mesh.Hosting;

namespace Aegis.Cli.Commands.Mesh;

/// <summary>`aegis mesh run --config node.yaml`: one AegisRay node in the foreground; SIGHUP reloads, SIGTERM/Ctrl+C stop.</summary>
public static class MeshRunCommand
{
    public static Command Create()
    {
        var config = new Option<string>("--config", "-c") { Description = "path of node.yaml", Required = true };
        var check = new Option<bool>("--check") { Description = "validate node.yaml and the certificates, then exit" };
        var command = new Command("run", "run a mesh node in the foreground (needs CAP_NET_ADMIN for its TUN device)") { config, check };
        command.SetAction(async (parse, outer) =>
        {
            (MeshConfig? loaded, List<string> problems) = MeshConfigLoader.Load(parse.GetValue(config)!, MeshConfigLoader.ProcessEnvironment());
            NodeIdentity? identity = null;
            if (loaded is not null)
            {
                (identity, problems) = MeshIdentityLoader.Load(loaded, DateTimeOffset.UtcNow);
            }

            if (loaded is null || identity is null)
            {
                return CliErrors.Report("mesh run", problems);
            }

            if (parse.GetValue(check))
            {
                Console.WriteLine($"ok: {loaded.NodeName} ({loaded.NodeType.ToString().ToLowerInvariant()}), certificate {identity.Certificate.Fingerprint.ToShortString()}");
                identity.Key.Dispose();
                return CliApp.Ok;
            }

            using var stop = new ShutdownSignal(outer);
            using ILoggerFactoryScope scope = new(MeshHost.CreateLoggers(loaded));
            using var host = new MeshHost(loaded, identity, scope.Factory);
            try
            {
                await host.RunAsync(stop.Token);
                return CliApp.Ok;
            }
            catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or UnauthorizedAccessException or System.Data.Common.DbException)
            {
                return CliErrors.Fail("mesh run", ex.Message);
            }
        });
        return command;
    }

    private sealed class ILoggerFactoryScope(Microsoft.Extensions.Logging.ILoggerFactory factory) : IDisposable
    {
        public Microsoft.Extensions.Logging.ILoggerFactory Factory { get; } = factory;

        public void Dispose() => Factory.Dispose();
    }
}
