using Lucene.Net.Analysis;
using Lucene.Net.Analysis.En;
using Lucene.Net.Analysis.TokenAttributes;
using Lucene.Net.Documents;
using Lucene.Net.Index;
using Lucene.Net.Search;
using Lucene.Net.Search.Similarities;
using Lucene.Net.Store;
using Lucene.Net.Util;

namespace Aegis.Knowledge.Retrieval;

/// <summary>
/// BM25 over point texts with Lucene.Net (English analyzer: lower case, stop words, Porter stemming; BM25 with
/// Lucene's defaults k1 = 1.2, b = 0.75, untuned). The index lives in memory and is rebuilt from the store at start;
/// a Lucene document holds the point's ordinal, so filters (access, payload) are applied inside the search.
/// </summary>
public sealed class LexicalIndex : IDisposable
{
    private const LuceneVersion Version = LuceneVersion.LUCENE_48;
    private const string TextField = "text";
    private const string OrdinalField = "ord";
    private const string OrdinalValues = "ordv";

    private readonly RAMDirectory _directory = new();
    private readonly Analyzer _analyzer = new EnglishAnalyzer(Version);
    private readonly IndexWriter _writer;
    private readonly SearcherManager _searchers;
    private readonly Similarity _similarity = new BM25Similarity();

    public LexicalIndex()
    {
        _writer = new IndexWriter(_directory, new IndexWriterConfig(Version, _analyzer) { Similarity = _similarity, OpenMode = OpenMode.CREATE });
        _searchers = new SearcherManager(_writer, true, null);
    }

    public void Add(int ordinal, string text)
    {
        var doc = new Document
        {
            new StringField(OrdinalField, ordinal.ToString(System.Globalization.CultureInfo.InvariantCulture), Field.Store.YES),
            new NumericDocValuesField(OrdinalValues, ordinal),
            new TextField(TextField, text, Field.Store.NO),
        };
        _writer.AddDocument(doc);
    }

    public void Remove(int ordinal) => _writer.DeleteDocuments(new Term(OrdinalField, ordinal.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    /// <summary>Makes what was added or removed visible to searches (one reopen per write batch, not per point).</summary>
    public void Refresh() => _searchers.MaybeRefreshBlocking();

    /// <summary>The analysed terms of a query: what BM25 will match (also used to highlight answers).</summary>
    public IReadOnlyList<string> Terms(string text)
    {
        var terms = new List<string>();
        using TokenStream stream = _analyzer.GetTokenStream(TextField, text);
        ICharTermAttribute term = stream.AddAttribute<ICharTermAttribute>();
        stream.Reset();
        while (stream.IncrementToken() && terms.Count < BooleanQuery.MaxClauseCount)
        {
            terms.Add(term.ToString());
        }

        stream.End();
        return terms;
    }

    public List<(int Ordinal, float Score)> Search(string text, int k, Func<int, bool>? allowed)
    {
        IReadOnlyList<string> terms = Terms(text);
        if (terms.Count == 0 || k <= 0)
        {
            return [];
        }

        // Built from analysed terms rather than parsed: a question's '?', ':' or '-' must never be query syntax.
        var query = new BooleanQuery();
        foreach (string t in terms)
        {
            query.Add(new TermQuery(new Term(TextField, t)), Occur.SHOULD);
        }

        IndexSearcher searcher = _searchers.Acquire();
        try
        {
            searcher.Similarity = _similarity;
            TopDocs top = searcher.Search(query, allowed is null ? null : new OrdinalFilter(allowed), k);
            var hits = new List<(int, float)>(top.ScoreDocs.Length);
            foreach (ScoreDoc hit in top.ScoreDocs)
            {
                hits.Add((int.Parse(searcher.Doc(hit.Doc).Get(OrdinalField), System.Globalization.CultureInfo.InvariantCulture), hit.Score));
            }

            return hits;
        }
        finally
        {
            _searchers.Release(searcher);
        }
    }

    public void Dispose()
    {
        _searchers.Dispose();
        _writer.Dispose();
        _analyzer.Dispose();
        _directory.Dispose();
    }

    /// <summary>Admits the Lucene documents whose ordinal the predicate accepts (evaluated per segment, once per query).</summary>
    private sealed class OrdinalFilter(Func<int, bool> allowed) : Filter
    {
        public override DocIdSet GetDocIdSet(AtomicReaderContext context, IBits acceptDocs)
        {
            AtomicReader reader = context.AtomicReader;
            NumericDocValues ords = reader.GetNumericDocValues(OrdinalValues);
            var bits = new FixedBitSet(reader.MaxDoc);
            for (int d = 0; d < reader.MaxDoc; d++)
            {
                if ((acceptDocs is null || acceptDocs.Get(d)) && allowed((int)ords.Get(d)))
                {
                    bits.Set(d);
                }
            }

            return bits;
        }
    }
}
