using System.CommandLine;
using Aegis.Node.Configuration;
using Aegis.Node.Hosting;
using Aegis.Node.Security;

namespace Aegis.Cli.Commands;

/// <summary>`aegis config check --config FILE`: validates the file, the environment overrides, the genesis and the key, without starting.</summary>
public static class ConfigCommand
{
    public static Command Create()
    {
        var config = new Option<string>("--config", "-c") { Description = "path of config.yaml", Required = true };
        var check = new Command("check", "validate a config file (and AEGIS_* overrides) without starting") { config };
        check.SetAction(parse =>
        {
            ConfigResult loaded = ConfigLoader.Load(parse.GetValue(config)!, ConfigLoader.ProcessEnvironment());
            if (!loaded.Ok)
            {
                return CliErrors.Report("config check", loaded.Problems);
            }

            (var genesis, var signer, ApiCredentials credentials, List<string> problems) = NodeHost.LoadIdentity(loaded.Config!);
            signer?.Dispose();
            credentials.Dispose();
            if (problems.Count > 0)
            {
                return CliErrors.Report("config check", problems);
            }

            Console.WriteLine($"ok: {Path.GetFullPath(parse.GetValue(config)!)} — chain {genesis!.ChainId}, {genesis.Validators.Count} validators, storage {loaded.Config!.Storage.Type}, api {loaded.Config.Api.Host}:{loaded.Config.Api.Port}");
            return CliApp.Ok;
        });
        return new Command("config", "configuration tools") { check };
    }
}
