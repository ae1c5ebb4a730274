using System.Net.Http.Headers;
using System.Text.Json;

namespace Aegis.Cli.Commands.Knowledge;

/// <summary>The HTTP side of `aegis knowledge ingest|ask`: base URL, optional bearer token, and error text from the service's JSON.</summary>
internal static class KnowledgeClient
{
    public static HttpClient Create(string url, string? token)
    {
        var http = new HttpClient { BaseAddress = new Uri(url.TrimEnd('/') + "/"), Timeout = TimeSpan.FromMinutes(30) };
        string? bearer = token ?? Environment.GetEnvironmentVariable("AEGIS_KNOWLEDGE_TOKEN");
        if (!string.IsNullOrEmpty(bearer))
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        return http;
    }

    public static string Describe(int status, string body)
    {
        try
        {
            using JsonDocument doc = JsonDocument.Parse(body);
            if (doc.RootElement.TryGetProperty("message", out JsonElement message))
            {
                return $"{status}: {message.GetString()}";
            }
        }
        catch (JsonException)
        {
        }

        return $"{status}: {body}";
    }
}
