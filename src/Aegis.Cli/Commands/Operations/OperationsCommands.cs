using System.CommandLine;

namespace Aegis.Cli.Commands.Operations;

/// <summary>The operator's verbs on a node's store and state: backup, restore, verify, diagnose.</summary>
public static class OperationsCommands
{
    public static void AddTo(RootCommand root)
    {
        root.Subcommands.Add(BackupCommand.Create());
        root.Subcommands.Add(RestoreCommand.Create());
        root.Subcommands.Add(VerifyCommand.Create());
        root.Subcommands.Add(DiagnoseCommand.Create());
    }

    internal static Option<string> ConfigOption() => new("--config", "-c") { Description = "path of the node's config.yaml", Required = true };
}
