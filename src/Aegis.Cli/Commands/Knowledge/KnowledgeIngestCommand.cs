using System.CommandLine;

namespace Aegis.Cli.Commands.Knowledge;

public static class KnowledgeIngestCommand
{
    public static Command Create() => new("ingest", "todo");
}
