namespace Aegis.Knowledge.Answers;

/// <summary>Writes the answer to a question from numbered sources, as a stream of text pieces (one piece when not streaming).</summary>
public interface IAnswerer
{
    /// <summary>What produced the answer: <c>extractive</c> or the provider and model.</summary>
    string Name { get; }

    IAsyncEnumerable<string> AnswerAsync(string question, IReadOnlyList<Source> sources, CancellationToken ct);
}
