using System.CommandLine;

namespace Aegis.Cli.Commands.Knowledge;

/// <summary>`aegis knowledge serve|ingest|ask|eval|token`: the knowledge service and its clients.</summary>
public static class KnowledgeCommand
{
    public static Command Create() => new("knowledge", "the knowledge service: document ingestion and cited, hybrid-retrieval answers")
    {
        KnowledgeServeCommand.Create(),
        KnowledgeIngestCommand.Create(),
        KnowledgeAskCommand.Create(),
        KnowledgeEvalCommand.Create(),
        KnowledgeTokenCommand.Create(),
    };
}
