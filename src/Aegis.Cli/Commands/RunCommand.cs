using System.CommandLine;
using Aegis.Node.Configuration;
using Aegis.Node.Hosting;
using Aegis.Node.Security;
using Aegis.Storage;

namespace Aegis.Cli.Commands;

/// <summary>`aegis run --config FILE` (alias `aegis node`): one node in the foreground until Ctrl+C or SIGTERM.</summary>
public static class RunCommand
{
    public static Command Create(string name)
    {
        var config = new Option<string>("--config", "-c") { Description = "path of config.yaml", Required = true };
        var exitOnStdinClose = new Option<bool>("--exit-on-stdin-close") { Description = "stop when standard input closes (used by 'aegis up' so nodes never outlive it)" };
        var command = new Command(name, "run one node in the foreground") { config, exitOnStdinClose };
        command.SetAction(async (parse, outer) =>
        {
            using var stop = new ShutdownSignal(outer);
            if (parse.GetValue(exitOnStdinClose))
            {
                _ = Task.Run(async () =>
                {
                    // The parent holds our stdin open; when it dies the pipe closes and we follow.
                    while (await Console.In.ReadLineAsync(stop.Token) is not null)
                    {
                    }

                    stop.Cancel();
                }, stop.Token);
            }

            CancellationToken ct = stop.Token;
            ConfigResult loaded = ConfigLoader.Load(parse.GetValue(config)!, ConfigLoader.ProcessEnvironment());
            if (!loaded.Ok)
            {
                return CliErrors.Report(name, loaded.Problems);
            }

            (var genesis, var signer, ApiCredentials credentials, List<string> problems) = NodeHost.LoadIdentity(loaded.Config!);
            using ApiCredentials owned = credentials;
            if (problems.Count > 0)
            {
                return CliErrors.Report(name, problems);
            }

            try
            {
                await NodeHost.RunAsync(loaded.Config!, genesis!, signer!, credentials, ct);
                return CliApp.Ok;
            }
            catch (IdentityConflictException ex)
            {
                return CliErrors.Fail(name, ex.Message);
            }
            catch (StorageException ex)
            {
                return CliErrors.Fail(name, ex.Message);
            }
            catch (Aegis.Core.Consensus.InvariantViolationException ex)
            {
                return CliErrors.Fail(name, $"consensus stopped: {ex.Message}");
            }
            catch (IOException ex) when (ex.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
                return CliErrors.Fail(name, $"a port is already in use: {ex.Message}");
            }
            catch (System.Net.Sockets.SocketException ex)
            {
                return CliErrors.Fail(name, $"cannot listen: {ex.Message}");
            }
            finally
            {
                signer?.Dispose();
            }
        });
        return command;
    }
}
