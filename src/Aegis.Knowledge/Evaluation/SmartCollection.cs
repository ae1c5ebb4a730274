using System.Globalization;
using System.Text;

namespace Aegis.Knowledge.Evaluation;

/// <summary>A test collection: documents, queries and graded relevance judgements.</summary>
public sealed record TestCollection(IReadOnlyList<(string Id, string Text)> Documents, IReadOnlyList<(string Id, string Text)> Queries, IReadOnlyDictionary<string, Dictionary<string, int>> Judgements);

/// <summary>
/// Reads SMART-format files (Cranfield, CISI, MED…): records start with <c>.I id</c>, fields with <c>.T</c>, <c>.A</c>,
/// <c>.B</c>, <c>.W</c>. A document's text is its <c>.T</c> and <c>.W</c> (the abstract often repeats the title; both
/// are kept, as the original collection presents them); judgements are lines <c>query doc grade</c>.
/// </summary>
public static class SmartCollection
{
    public static TestCollection Load(string corpusPath, string queriesPath, string qrelsPath)
    {
        List<(string, string)> docs = ReadRecords(corpusPath, ['T', 'W']);
        List<(string, string)> queries = ReadRecords(queriesPath, ['W']);
        var judgements = new Dictionary<string, Dictionary<string, int>>(StringComparer.Ordinal);
        int lineNo = 0;
        foreach (string line in File.ReadLines(qrelsPath))
        {
            lineNo++;
            string[] parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 0)
            {
                continue;
            }

            if (parts.Length < 3 || !int.TryParse(parts[^1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int grade))
            {
                throw new FormatException($"{qrelsPath}:{lineNo}: expected 'query document grade', got '{line}'");
            }

            if (!judgements.TryGetValue(parts[0], out Dictionary<string, int>? q))
            {
                judgements[parts[0]] = q = new Dictionary<string, int>(StringComparer.Ordinal);
            }

            q[parts[1]] = grade;
        }

        return new TestCollection(docs, queries, judgements);
    }

    private static List<(string, string)> ReadRecords(string path, char[] keep)
    {
        var records = new List<(string, string)>();
        string? id = null;
        char field = ' ';
        var text = new StringBuilder();
        int lineNo = 0;
        foreach (string line in File.ReadLines(path))
        {
            lineNo++;
            if (line.StartsWith(".I", StringComparison.Ordinal) && (line.Length == 2 || line[2] == ' '))
            {
                Flush();
                id = line[2..].Trim();
                if (id.Length == 0)
                {
                    throw new FormatException($"{path}:{lineNo}: '.I' without an id");
                }

                field = ' ';
                continue;
            }

            if (line.Length >= 2 && line[0] == '.' && char.IsLetter(line[1]) && line.TrimEnd().Length == 2)
            {
                field = line[1];
                if (text.Length > 0 && keep.Contains(field))
                {
                    while (text.Length > 0 && text[^1] == '\n')
                    {
                        text.Length--;
                    }

                    text.Append("\n\n");
                }

                continue;
            }

            if (id is null)
            {
                throw new FormatException($"{path}:{lineNo}: text before the first '.I' record");
            }

            if (keep.Contains(field))
            {
                text.Append(line).Append('\n');
            }
        }

        Flush();
        return records;

        void Flush()
        {
            if (id is not null)
            {
                records.Add((id, text.ToString().Trim()));
            }

            text.Clear();
        }
    }
}
