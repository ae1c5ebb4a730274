using System.Net;
using System.Text;

namespace Aegis.Knowledge.Configuration;

/// <summary>Checks values the binder could parse but the service cannot use; one line per problem.</summary>
internal static class KnowledgeConfigValidator
{
    public static IEnumerable<string> Validate(KnowledgeConfig c)
    {
        if (c.Api.Port is < 0 or > 65535)
        {
            yield return $"api.port: {c.Api.Port} — expected 0..65535 (0 picks a free port)";
        }

        if (c.Api.Host != "localhost" && !IPAddress.TryParse(c.Api.Host, out _))
        {
            yield return $"api.host: {c.Api.Host} — expected an IP address (0.0.0.0 for every interface) or localhost";
        }

        if (c.Api.MaxUploadBytes < 1024)
        {
            yield return $"api.max_upload_bytes: {c.Api.MaxUploadBytes} — expected at least 1024";
        }

        // The storage engine's own rules (type, connection string, schema identifier), so a config that passes here
        // never fails at start in AuxiliaryDatabase.Create.
        foreach (string problem in c.StorageOptions().Validate())
        {
            yield return problem;
        }

        if (c.Security.Authentication && Encoding.UTF8.GetByteCount(c.Security.JwtSecret) < 32)
        {
            yield return "security.jwt_secret: (redacted) — needs at least 32 bytes when authentication is on (or AEGIS_JWT_SECRET)";
        }

        if (c.Ingest.ChunkTokens is < 16 or > 512)
        {
            yield return $"ingest.chunk_tokens: {c.Ingest.ChunkTokens} — expected 16..512 (the encoder reads at most 512 tokens)";
        }

        if (c.Ingest.ChunkOverlapTokens < 0 || c.Ingest.ChunkOverlapTokens >= c.Ingest.ChunkTokens / 2)
        {
            yield return $"ingest.chunk_overlap_tokens: {c.Ingest.ChunkOverlapTokens} — expected 0 up to half of chunk_tokens";
        }

        if (c.Retrieval.TopK is < 1 or > 100)
        {
            yield return $"retrieval.top_k: {c.Retrieval.TopK} — expected 1..100";
        }

        if (c.Retrieval.Candidates is < 10 or > 10_000)
        {
            yield return $"retrieval.candidates: {c.Retrieval.Candidates} — expected 10..10000";
        }

        if (c.Retrieval.RrfK is < 1 or > 1000)
        {
            yield return $"retrieval.rrf_k: {c.Retrieval.RrfK} — expected 1..1000";
        }

        if (c.Retrieval.AnnMinPoints < 1)
        {
            yield return $"retrieval.ann_min_points: {c.Retrieval.AnnMinPoints} — expected at least 1";
        }

        if (c.Retrieval.AnnConnectivity is < 4 or > 128 || c.Retrieval.AnnExpansionAdd is < 8 or > 4096 || c.Retrieval.AnnExpansionSearch is < 8 or > 4096)
        {
            yield return "retrieval.ann_*: connectivity 4..128, expansion_add and expansion_search 8..4096";
        }

        if (c.Answer.Provider is not ("none" or "openai" or "anthropic" or "ollama"))
        {
            yield return $"answer.provider: {c.Answer.Provider} — expected none, openai, anthropic or ollama";
        }
        else if (c.Answer.Provider != "none" && string.IsNullOrWhiteSpace(c.Answer.Model))
        {
            yield return $"answer.model: (empty) — provider {c.Answer.Provider} needs a model name";
        }

        if (c.Answer.Provider is "openai" or "anthropic" && string.IsNullOrWhiteSpace(c.Answer.ApiKey) && string.IsNullOrWhiteSpace(c.Answer.Endpoint))
        {
            yield return $"answer.api_key: (empty) — provider {c.Answer.Provider} at its public endpoint needs an API key (or AEGIS_LLM_API_KEY)";
        }

        if (c.Answer.Endpoint.Length > 0 && !Uri.TryCreate(c.Answer.Endpoint, UriKind.Absolute, out _))
        {
            yield return $"answer.endpoint: {c.Answer.Endpoint} — expected an absolute URL such as http://127.0.0.1:11434";
        }

        if (c.Answer.MaxTokens is < 16 or > 32_768 || c.Answer.TimeoutSeconds is < 1 or > 600)
        {
            yield return "answer.max_tokens: 16..32768 and answer.timeout_seconds: 1..600";
        }

        if (c.Logging.Level.ToUpperInvariant() is not ("DEBUG" or "INFO" or "WARNING" or "ERROR"))
        {
            yield return $"logging.level: {c.Logging.Level} — expected DEBUG, INFO, WARNING or ERROR";
        }

        if (c.Logging.Format is not ("text" or "json"))
        {
            yield return $"logging.format: {c.Logging.Format} — expected text or json";
        }
    }
}
