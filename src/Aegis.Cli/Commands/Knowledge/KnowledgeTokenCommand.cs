using System.CommandLine;

namespace Aegis.Cli.Commands.Knowledge;

public static class KnowledgeTokenCommand
{
    public static Command Create() => new("token", "todo");
}
