using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.AI;

namespace Aegis.Knowledge.Answers;

/// <summary>
/// An answer written by a language model (any <see cref="IChatClient"/>: OpenAI-compatible, Anthropic, Ollama) from
/// the numbered passages only, streamed as the model writes it. The model is told to cite [n] and to say so when the
/// passages do not answer; with no passages it is not called at all.
/// </summary>
public sealed class ChatAnswerer(IChatClient client, string name, int maxTokens) : IAnswerer
{
    public const string Instructions =
        "You answer questions about an organisation's documents. Use only the numbered passages given. After every claim, cite the passage as [n]. " +
        "If the passages do not contain the answer, say that the documents do not answer it. Be concise.";

    public string Name { get; } = name;

    public async IAsyncEnumerable<string> AnswerAsync(string question, IReadOnlyList<Source> sources, [EnumeratorCancellation] CancellationToken ct)
    {
        if (sources.Count == 0)
        {
            yield return ExtractiveAnswerer.NoAnswer;
            yield break;
        }

        List<ChatMessage> messages = [new(ChatRole.System, Instructions), new(ChatRole.User, Prompt(question, sources))];
        await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync(messages, new ChatOptions { MaxOutputTokens = maxTokens, Temperature = 0 }, ct))
        {
            if (!string.IsNullOrEmpty(update.Text))
            {
                yield return update.Text;
            }
        }
    }

    public static string Prompt(string question, IReadOnlyList<Source> sources)
    {
        var sb = new StringBuilder("Passages:\n");
        for (int i = 0; i < sources.Count; i++)
        {
            sb.Append('[').Append(i + 1).Append("] (").Append(sources[i].FileName ?? sources[i].DocId).Append(sources[i].Page is { } p ? $", page {p}" : "").Append(")\n")
              .Append(sources[i].Text).Append("\n\n");
        }

        return sb.Append("Question: ").Append(question).ToString();
    }
}
