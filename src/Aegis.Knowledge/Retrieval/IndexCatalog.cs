using System.Text.Json.Nodes;
using Aegis.Knowledge.Storage;

namespace Aegis.Knowledge.Retrieval;

/// <summary>
/// Every collection's index in memory, loaded from the store at start and kept in step with it: the store commits
/// first, then the index changes, so after a crash the store is the truth and the next start rebuilds from it.
/// </summary>
public sealed class IndexCatalog(IKnowledgeStore store, RetrievalSettings settings) : IDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, (CollectionRecord Record, CollectionIndex Index)> _collections = new(StringComparer.Ordinal);

    public RetrievalSettings Settings { get; } = settings;

    public IKnowledgeStore Store { get; } = store;

    public long PointCount
    {
        get
        {
            lock (_lock)
            {
                return _collections.Values.Sum(c => (long)c.Index.Count);
            }
        }
    }

    public async Task LoadAsync(CancellationToken ct)
    {
        foreach (CollectionRecord record in await Store.LoadCollectionsAsync(ct))
        {
            if (!DistanceNames.TryParse(record.Distance, out Distance distance))
            {
                throw new InvalidDataException($"collection {record.Name}: stored distance '{record.Distance}' is not Cosine or Dot");
            }

            var index = new CollectionIndex(record.Name, record.Dimensions, distance, Settings);
            IReadOnlyList<StoredPoint> points = await Store.LoadPointsAsync(record.Name, ct);
            foreach (StoredPoint[] batch in points.Chunk(2048))
            {
                index.Upsert(batch.Select(ToPoint).ToList());
            }

            lock (_lock)
            {
                _collections[record.Name] = (record, index);
            }
        }
    }

    public IReadOnlyList<(CollectionRecord Record, CollectionIndex Index)> All()
    {
        lock (_lock)
        {
            return _collections.Values.OrderBy(c => c.Record.Name, StringComparer.Ordinal).ToList();
        }
    }

    public (CollectionRecord Record, CollectionIndex Index)? Find(string name)
    {
        lock (_lock)
        {
            return _collections.TryGetValue(name, out var c) ? c : null;
        }
    }

    /// <summary>Creates the collection unless it exists; returns false when it existed.</summary>
    public async Task<bool> CreateAsync(string name, int dimensions, Distance distance, bool managed, CancellationToken ct)
    {
        var record = new CollectionRecord(name, dimensions, DistanceNames.Name(distance), managed, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        if (Find(name) is not null || !await Store.CreateCollectionAsync(record, ct))
        {
            return false;
        }

        lock (_lock)
        {
            _collections[name] = (record, new CollectionIndex(name, dimensions, distance, Settings));
        }

        return true;
    }

    public async Task<bool> DeleteAsync(string name, CancellationToken ct)
    {
        bool existed = await Store.DeleteCollectionAsync(name, ct);
        lock (_lock)
        {
            if (_collections.Remove(name, out var c))
            {
                c.Index.Dispose();
                existed = true;
            }
        }

        return existed;
    }

    public async Task UpsertAsync(string collection, IReadOnlyList<StoredPoint> points, CancellationToken ct)
    {
        CollectionIndex index = Find(collection)?.Index ?? throw new KnowledgeException(404, "collection_not_found", $"collection {collection} does not exist");
        foreach (StoredPoint p in points)
        {
            if (p.Vector.Length != index.Dimensions)
            {
                throw new KnowledgeException(400, "wrong_vector_size", $"point {p.Id}: vector has {p.Vector.Length} dimensions, collection {collection} expects {index.Dimensions}");
            }
        }

        await Store.UpsertPointsAsync(collection, points, ct);
        index.Upsert(points.Select(ToPoint).ToList());
    }

    public async Task<int> DeletePointsAsync(string collection, IReadOnlyList<string> ids, CancellationToken ct)
    {
        CollectionIndex index = Find(collection)?.Index ?? throw new KnowledgeException(404, "collection_not_found", $"collection {collection} does not exist");
        await Store.DeletePointsAsync(collection, ids, ct);
        return index.Delete(ids);
    }

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var c in _collections.Values)
            {
                c.Index.Dispose();
            }

            _collections.Clear();
        }
    }

    public static Point ToPoint(StoredPoint p) =>
        new(p.Id, p.Vector, JsonNode.Parse(p.PayloadJson) as JsonObject ?? [], p.Text, p.Owner, p.AreaId);
}
