namespace Aegis.Node.Configuration;

/// <summary>Collects validation problems as lines, knowing which keys came from an unset <c>${VAR}</c> so such a line can name it.</summary>
internal sealed class ProblemList(IReadOnlyDictionary<string, IReadOnlyList<string>> unsetVariables)
{
    private readonly List<string> _lines = [];

    public IReadOnlyList<string> Lines => _lines;

    public int Count => _lines.Count;

    public void Check(bool ok, string path, object? value, string expected)
    {
        if (!ok)
        {
            Add(path, value, expected);
        }
    }

    public void Add(string path, object? value, string expected) =>
        _lines.Add(ProblemText.Line(path, value, expected, unsetVariables.GetValueOrDefault(path)));

    /// <summary>A line already in the problem format, from a component that owns its own rules (the storage engine).</summary>
    public void AddLine(string line) => _lines.Add(line);
}
