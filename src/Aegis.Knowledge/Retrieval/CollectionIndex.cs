namespace Aegis.Knowledge.Retrieval;

/// <summary>
/// One collection's search structures in memory: the flat vector array (exact search), the BM25 index and, once the
/// collection is large, the HNSW graph. Points are addressed by ordinal; a replaced or deleted point leaves a hole
/// that searches skip. Readers share a lock; writers (upsert, delete) take it alone and are applied in batches.
/// </summary>
public sealed class CollectionIndex : IDisposable
{
    private const int FilterOversampling = 4;

    private readonly ReaderWriterLockSlim _lock = new();
    private readonly List<Point?> _points = [];
    private readonly Dictionary<string, int> _ordinals = new(StringComparer.Ordinal);
    private readonly LexicalIndex _lexical = new();
    private readonly RetrievalSettings _settings;
    private float[] _vectors;
    private AnnIndex? _ann;

    public CollectionIndex(string name, int dimensions, Distance distance, RetrievalSettings settings)
    {
        if (dimensions is < 1 or > 65536)
        {
            throw new ArgumentOutOfRangeException(nameof(dimensions), $"vector size must be 1..65536 (got {dimensions})");
        }

        Name = name;
        Dimensions = dimensions;
        Distance = distance;
        _settings = settings;
        _vectors = new float[dimensions * 64];
    }

    public string Name { get; }

    public int Dimensions { get; }

    public Distance Distance { get; }

    /// <summary>Live points (holes excluded).</summary>
    public int Count { get; private set; }

    /// <summary>Whether dense searches currently go through the HNSW graph.</summary>
    public bool UsesAnn => _ann is not null;

    public LexicalIndex Lexical => _lexical;

    public void Upsert(IReadOnlyList<Point> points)
    {
        foreach (Point p in points)
        {
            if (p.Vector.Length != Dimensions)
            {
                throw new ArgumentException($"point {p.Id}: vector has {p.Vector.Length} dimensions, collection {Name} expects {Dimensions}");
            }
        }

        _lock.EnterWriteLock();
        try
        {
            foreach (Point p in points)
            {
                RemoveLocked(p.Id);
                int ord = _points.Count;
                if ((ord + 1) * Dimensions > _vectors.Length)
                {
                    Array.Resize(ref _vectors, Math.Max(_vectors.Length * 2, (ord + 1) * Dimensions));
                }

                Span<float> slot = _vectors.AsSpan(ord * Dimensions, Dimensions);
                p.Vector.CopyTo(slot);
                if (Distance == Distance.Cosine)
                {
                    ExactVectorSearch.Normalize(slot);
                }

                _points.Add(p);
                _ordinals[p.Id] = ord;
                Count++;
                if (!string.IsNullOrWhiteSpace(p.Text))
                {
                    _lexical.Add(ord, p.Text);
                }

                _ann?.Add(ord, slot.ToArray());
            }

            _lexical.Refresh();
            if (_ann is null && Count >= _settings.AnnMinPoints)
            {
                BuildAnnLocked();
            }
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>Removes the points with these ids; returns how many existed.</summary>
    public int Delete(IEnumerable<string> ids)
    {
        _lock.EnterWriteLock();
        try
        {
            int removed = ids.Count(RemoveLocked);
            _lexical.Refresh();
            return removed;
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    public Point? Get(string id)
    {
        _lock.EnterReadLock();
        try
        {
            return _ordinals.TryGetValue(id, out int ord) ? _points[ord] : null;
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>Live points the predicate accepts, in insertion order (a snapshot).</summary>
    public List<Point> Where(Func<Point, bool> predicate)
    {
        _lock.EnterReadLock();
        try
        {
            return _points.Where(p => p is not null && predicate(p)).ToList()!;
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>Nearest points by the collection's distance among those <paramref name="filter"/> accepts.</summary>
    public List<ScoredPoint> DenseSearch(float[] query, int k, Func<Point, bool>? filter)
    {
        if (query.Length != Dimensions)
        {
            throw new ArgumentException($"query vector has {query.Length} dimensions, collection {Name} expects {Dimensions}");
        }

        float[] q = (float[])query.Clone();
        if (Distance == Distance.Cosine)
        {
            ExactVectorSearch.Normalize(q);
        }

        _lock.EnterReadLock();
        try
        {
            Func<int, bool> allowed = Allowed(filter);
            List<(int Ordinal, float Score)> hits = _ann is not null ? AnnSearchLocked(q, filter is null ? k : k * FilterOversampling, allowed) : [];
            if (hits.Count < Math.Min(k, Count))
            {
                hits = ExactVectorSearch.TopK(_vectors, Dimensions, _points.Count, q, k, allowed);
            }

            return hits.Take(k).Select(h => new ScoredPoint(_points[h.Ordinal]!, h.Score)).ToList();
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>BM25 over point texts among those <paramref name="filter"/> accepts.</summary>
    public List<ScoredPoint> LexicalSearch(string text, int k, Func<Point, bool>? filter)
    {
        _lock.EnterReadLock();
        try
        {
            return _lexical.Search(text, k, Allowed(filter)).Select(h => new ScoredPoint(_points[h.Ordinal]!, h.Score)).ToList();
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    public void Dispose()
    {
        _ann?.Dispose();
        _lexical.Dispose();
        _lock.Dispose();
    }

    private Func<int, bool> Allowed(Func<Point, bool>? filter) =>
        filter is null ? ord => _points[ord] is not null : ord => _points[ord] is { } p && filter(p);

    // A filtered search asks the graph for FilterOversampling × k candidates and keeps those the filter accepts. If
    // at least k pass, the filtered top k are among the global top candidates (up to the graph's recall); if fewer
    // pass (a selective filter, such as one user's personal documents), the caller falls back to the exact scan, so
    // a filter never silently hides matches.
    private List<(int, float)> AnnSearchLocked(float[] q, int k, Func<int, bool> allowed)
    {
        var hits = new List<(int, float)>(k);
        foreach (int ord in _ann!.Search(q, k))
        {
            if (ord < _points.Count && allowed(ord))
            {
                hits.Add((ord, System.Numerics.Tensors.TensorPrimitives.Dot(_vectors.AsSpan(ord * Dimensions, Dimensions), q)));
            }
        }

        hits.Sort((a, b) => b.Item2.CompareTo(a.Item2));
        return hits;
    }

    private void BuildAnnLocked()
    {
        _ann = new AnnIndex(Dimensions, Distance, _settings.Ann);
        for (int ord = 0; ord < _points.Count; ord++)
        {
            if (_points[ord] is not null)
            {
                _ann.Add(ord, _vectors.AsSpan(ord * Dimensions, Dimensions).ToArray());
            }
        }
    }

    private bool RemoveLocked(string id)
    {
        if (!_ordinals.Remove(id, out int ord))
        {
            return false;
        }

        _points[ord] = null;
        _lexical.Remove(ord);
        _ann?.Remove(ord);
        Count--;
        return true;
    }
}
