using System.CommandLine;

namespace Aegis.Cli.Commands.Knowledge;

public static class KnowledgeAskCommand
{
    public static Command Create() => new("ask", "todo");
}
