using System.ClientModel;
using Aegis.Knowledge.Configuration;
using Microsoft.Extensions.AI;
using OpenAI;

namespace Aegis.Knowledge.Answers;

/// <summary>answer.provider → an <see cref="IChatClient"/> from that provider's own .NET SDK, adapted by Microsoft.Extensions.AI.</summary>
public static class ChatClientFactory
{
    public static IAnswerer Create(AnswerSection answer, Func<string, IReadOnlyList<string>> terms)
    {
        TimeSpan timeout = TimeSpan.FromSeconds(answer.TimeoutSeconds);
        IChatClient? client = answer.Provider switch
        {
            "openai" => new OpenAIClient(new ApiKeyCredential(answer.ApiKey.Length > 0 ? answer.ApiKey : "unused"), new OpenAIClientOptions
            {
                Endpoint = answer.Endpoint.Length > 0 ? new Uri(answer.Endpoint) : null,
                NetworkTimeout = timeout,
            }).GetChatClient(answer.Model).AsIChatClient(),
            "anthropic" => new Anthropic.AnthropicClient
            {
                ApiKey = answer.ApiKey.Length > 0 ? answer.ApiKey : "unused",
                BaseUrl = answer.Endpoint.Length > 0 ? answer.Endpoint : "https://api.anthropic.com",
                Timeout = timeout,
            }.AsIChatClient(answer.Model, answer.MaxTokens),
            "ollama" => new OllamaSharp.OllamaApiClient(new HttpClient { BaseAddress = new Uri(answer.Endpoint.Length > 0 ? answer.Endpoint : "http://127.0.0.1:11434"), Timeout = timeout }, answer.Model),
            _ => null,
        };
        return client is null ? new ExtractiveAnswerer(terms) : new ChatAnswerer(client, $"{answer.Provider}:{answer.Model}", answer.MaxTokens);
    }
}
