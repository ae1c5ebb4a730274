using Aegis.Node.Configuration;

namespace Aegis.Knowledge.Configuration;

/// <summary>knowledge.yaml: every key, with its default. README "Knowledge service" lists them for operators.</summary>
public sealed class KnowledgeConfig
{
    public ServiceSection Service { get; set; } = new();

    public KnowledgeApiSection Api { get; set; } = new();

    public KnowledgeStorageSection Storage { get; set; } = new();

    public KnowledgeSecuritySection Security { get; set; } = new();

    public IngestSection Ingest { get; set; } = new();

    public RetrievalSection Retrieval { get; set; } = new();

    public AnswerSection Answer { get; set; } = new();

    public KnowledgeLoggingSection Logging { get; set; } = new();

    /// <summary>The storage section as the shared storage layer takes it (SQLite: knowledge.db in service.data_dir).</summary>
    public Aegis.Storage.StorageOptions StorageOptions() => new()
    {
        Type = Storage.Type,
        DataDirectory = Service.DataDir,
        ConnectionString = Storage.ConnectionString,
        Schema = Storage.Schema.Length > 0 ? Storage.Schema : null,
    };
}

public sealed class ServiceSection
{
    /// <summary>Holds knowledge.db (SQLite) and originals/ (every uploaded file, as uploaded).</summary>
    public string DataDir { get; set; } = "./knowledge-data";
}

public sealed class KnowledgeApiSection
{
    public string Host { get; set; } = "127.0.0.1";

    public int Port { get; set; } = 8080;

    /// <summary>Largest accepted upload (bytes); larger ones get 413.</summary>
    public long MaxUploadBytes { get; set; } = 50L * 1024 * 1024;
}

public sealed class KnowledgeStorageSection
{
    public string Type { get; set; } = "sqlite";

    [Secret(PasswordOnly = true)]
    public string ConnectionString { get; set; } = "";

    public string Schema { get; set; } = "";
}

public sealed class KnowledgeSecuritySection
{
    /// <summary>true: every /api and /qdrant request needs "Authorization: Bearer &lt;JWT&gt;" (HS256, with exp).</summary>
    public bool Authentication { get; set; } = true;

    [Secret]
    public string JwtSecret { get; set; } = "";

    public string JwtIssuer { get; set; } = "";

    public string JwtAudience { get; set; } = "";
}

public sealed class IngestSection
{
    public int ChunkTokens { get; set; } = 256;

    public int ChunkOverlapTokens { get; set; } = 32;
}

public sealed class RetrievalSection
{
    public int TopK { get; set; } = 5;

    public int Candidates { get; set; } = 100;

    public int RrfK { get; set; } = 60;

    public int AnnMinPoints { get; set; } = 50_000;

    public int AnnConnectivity { get; set; } = 16;

    public int AnnExpansionAdd { get; set; } = 128;

    public int AnnExpansionSearch { get; set; } = 128;
}

public sealed class AnswerSection
{
    /// <summary>none (extractive answers) | openai (any OpenAI-compatible endpoint) | anthropic | ollama.</summary>
    public string Provider { get; set; } = "none";

    /// <summary>Base URL of the provider; empty takes the provider's public default (OpenAI, Anthropic) or http://127.0.0.1:11434 (Ollama).</summary>
    public string Endpoint { get; set; } = "";

    public string Model { get; set; } = "";

    [Secret]
    public string ApiKey { get; set; } = "";

    public int MaxTokens { get; set; } = 512;

    public int TimeoutSeconds { get; set; } = 60;
}

public sealed class KnowledgeLoggingSection
{
    public string Level { get; set; } = "INFO";

    public string Format { get; set; } = "text";
}
