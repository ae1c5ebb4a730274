using System.Runtime.CompilerServices;
using System.Text;

namespace Aegis.Knowledge.Answers;

/// <summary>
/// The default answer, with no language model: from each of the best passages, the sentences that share the most
/// (stemmed) terms with the question, quoted verbatim and followed by their citation number. Nothing is paraphrased,
/// so nothing can be invented; the user reads the evidence itself.
/// </summary>
public sealed class ExtractiveAnswerer(Func<string, IReadOnlyList<string>> terms) : IAnswerer
{
    public const string NoAnswer = "No passage in the collections you can read matches this question.";

    private const int MaxQuoted = 3;

    public string Name => "extractive";

    public async IAsyncEnumerable<string> AnswerAsync(string question, IReadOnlyList<Source> sources, [EnumeratorCancellation] CancellationToken ct)
    {
        await Task.CompletedTask;
        if (sources.Count == 0)
        {
            yield return NoAnswer;
            yield break;
        }

        var wanted = new HashSet<string>(terms(question), StringComparer.Ordinal);
        int quoted = 0;
        for (int i = 0; i < sources.Count && quoted < MaxQuoted; i++)
        {
            ct.ThrowIfCancellationRequested();

            // The best passage is always quoted; later ones only when they share a term with the question.
            if (BestSentences(sources[i].Text, wanted, quoted == 0) is not { } quote)
            {
                continue;
            }

            var line = new StringBuilder();
            line.Append(quoted == 0 ? "" : "\n").Append('"').Append(quote).Append("\" [").Append(i + 1).Append(']');
            quoted++;
            yield return line.ToString();
        }
    }

    // Up to two sentences with the most question terms, in their original order; the passage's start when none match.
    private string? BestSentences(string text, HashSet<string> wanted, bool always)
    {
        List<string> sentences = Sentences(text);
        var ranked = sentences.Select((s, i) => (s, i, hits: terms(s).Distinct(StringComparer.Ordinal).Count(wanted.Contains)))
            .OrderByDescending(x => x.hits).ThenBy(x => x.i).Take(2).Where(x => x.hits > 0).OrderBy(x => x.i).Select(x => x.s).ToList();
        if (ranked.Count == 0 && !always)
        {
            return null;
        }

        string quote = ranked.Count > 0 ? string.Join(" … ", ranked) : sentences.FirstOrDefault() ?? text;
        quote = quote.Replace('\n', ' ').Trim();
        return quote.Length <= 600 ? quote : quote[..600].TrimEnd() + "…";
    }

    private static List<string> Sentences(string text)
    {
        var list = new List<string>();
        int start = 0;
        for (int i = 0; i < text.Length; i++)
        {
            bool end = (text[i] is '.' or '!' or '?' && (i + 1 == text.Length || char.IsWhiteSpace(text[i + 1]))) || (text[i] == '\n' && i + 1 < text.Length && text[i + 1] == '\n');
            if (end)
            {
                string s = text[start..(i + 1)].Trim();
                if (s.Length > 0)
                {
                    list.Add(s);
                }

                start = i + 1;
            }
        }

        if (start < text.Length && text[start..].Trim() is { Length: > 0 } rest)
        {
            list.Add(rest);
        }

        return list;
    }
}
