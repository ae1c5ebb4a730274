using System.CommandLine;

namespace Aegis.Cli.Commands;

/// <summary>The `aegis` command tree. Exit codes: 0 success, 1 runtime failure, 2 bad arguments or configuration.</summary>
public static class CliApp
{
    public const int Ok = 0;
    public const int Failure = 1;
    public const int BadUsage = 2;

    public static async Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("AEGIS: a Byzantine-fault-tolerant replicated ledger and key-value store")
        {
            UpCommand.Create(),
            TestnetCommand.Create(),
            RunCommand.Create("run"),
            RunCommand.Create("node"),
            KeygenCommand.Create(),
            ConfigCommand.Create(),
            ClientCommands.Status(),
            ClientCommands.Tx(),
            ClientCommands.Block(),
            TokenCommand.Create(),
            BenchCommand.Create(),
            SimCommand.Create(),
            Chat.ChatCommands.Create(),
        };

        ParseResult parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (System.CommandLine.Parsing.ParseError error in parse.Errors)
            {
                await Console.Error.WriteLineAsync($"aegis: {error.Message}");
            }

            await Console.Error.WriteLineAsync("run 'aegis --help' for usage");
            return BadUsage;
        }

        return await parse.InvokeAsync();
    }
}
