using System.Net;
using System.Text.Json.Nodes;
using Aegis.Knowledge.Configuration;
using Aegis.Knowledge.Tests.Support;

namespace Aegis.Knowledge.Tests.Answers;

/// <summary>Each configured provider, through its own SDK, against a fake model server on 127.0.0.1.</summary>
[Collection(ModelCollection.Name)]
public sealed class LlmProviderTests(ModelFixture model)
{
    [Theory]
    [InlineData("openai", "/v1", "/v1/chat/completions")]
    [InlineData("ollama", "", "/api/chat")]
    [InlineData("anthropic", "", "/v1/messages")]
    public async Task The_provider_answers_from_the_retrieved_passages(string provider, string endpointSuffix, string path)
    {
        await using FakeLlmServer fake = await FakeLlmServer.StartAsync();
        using var dir = new TempDirectory();
        KnowledgeConfig config = TestServer.DefaultConfig(dir.Path);
        config.Answer = new AnswerSection { Provider = provider, Endpoint = fake.Url + endpointSuffix, Model = "fake-model", ApiKey = "sk-test-key", MaxTokens = 200 };
        await using TestServer server = await TestServer.StartAsync(model.Embedder, config);
        using HttpClient alice = server.Client("alice");
        using HttpResponseMessage up = await TestServer.UploadAsync(alice, "pumps.txt", "Replace the pump seals when the pressure drops below 80 bar."u8.ToArray(), "general_knowledge");
        Assert.Equal(HttpStatusCode.Created, up.StatusCode);

        JsonObject answer = await TestServer.AskAsync(alice, "When are the pump seals replaced?");
        Assert.Equal(string.Concat(FakeLlmServer.Pieces), (string)answer["answer"]!);
        Assert.Equal($"{provider}:fake-model", (string)answer["answered_by"]!);
        Assert.Equal("pumps.txt", (string)answer["sources"]![0]!["file_name"]!);

        (string Path, Dictionary<string, string> Headers, JsonObject Body) request = Assert.Single(fake.Requests);
        Assert.Equal(path, request.Path);
        string sent = request.Body.ToJsonString();
        Assert.Contains("fake-model", sent, StringComparison.Ordinal);
        Assert.Contains("below 80 bar", sent, StringComparison.Ordinal);
        Assert.Contains("When are the pump seals replaced?", sent, StringComparison.Ordinal);
        Assert.Contains("[1]", sent, StringComparison.Ordinal);
        if (provider is "openai" or "anthropic")
        {
            // The configured key reached the provider (Anthropic's SDK 13.x sends it as a bearer token, as its docs say).
            Assert.Equal("Bearer sk-test-key", request.Headers.GetValueOrDefault("Authorization"));
        }
    }

    [Fact]
    public async Task With_no_passage_the_model_is_not_asked()
    {
        await using FakeLlmServer fake = await FakeLlmServer.StartAsync();
        using var dir = new TempDirectory();
        KnowledgeConfig config = TestServer.DefaultConfig(dir.Path);
        config.Answer = new AnswerSection { Provider = "openai", Endpoint = fake.Url + "/v1", Model = "fake-model", ApiKey = "k" };
        await using TestServer server = await TestServer.StartAsync(model.Embedder, config);
        using HttpClient alice = server.Client("alice");
        JsonObject answer = await TestServer.AskAsync(alice, "anything at all?");
        Assert.Empty(answer["sources"]!.AsArray());
        Assert.Equal(Knowledge.Answers.ExtractiveAnswerer.NoAnswer, (string)answer["answer"]!);
        Assert.Empty(fake.Requests);
    }
}
