using System.CommandLine;

namespace Aegis.Cli.Commands.Knowledge;

public static class KnowledgeServeCommand
{
    public static Command Create() => new("serve", "todo");
}
