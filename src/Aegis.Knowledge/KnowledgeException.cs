namespace Aegis.Knowledge;

/// <summary>A request the service refuses, with the HTTP status, a machine-readable code and a sentence for people.</summary>
public sealed class KnowledgeException(int status, string code, string message) : Exception(message)
{
    public int Status { get; } = status;

    public string Code { get; } = code;
}
