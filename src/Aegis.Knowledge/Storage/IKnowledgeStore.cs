namespace Aegis.Knowledge.Storage;

/// <summary>
/// Durable state of the knowledge service: collections, points (vectors with payloads) and documents. The in-memory
/// indexes are rebuilt from here at start, so a write is acknowledged only after it is committed here. A document and
/// its chunks are written and removed in one transaction: no reader ever sees half a document.
/// </summary>
public interface IKnowledgeStore : IAsyncDisposable
{
    string Description { get; }

    Task InitializeAsync(CancellationToken ct);

    Task<IReadOnlyList<CollectionRecord>> LoadCollectionsAsync(CancellationToken ct);

    /// <summary>False when a collection of that name exists already.</summary>
    Task<bool> CreateCollectionAsync(CollectionRecord collection, CancellationToken ct);

    /// <summary>Removes the collection with its points and documents; false when it did not exist.</summary>
    Task<bool> DeleteCollectionAsync(string name, CancellationToken ct);

    Task<IReadOnlyList<StoredPoint>> LoadPointsAsync(string collection, CancellationToken ct);

    Task UpsertPointsAsync(string collection, IReadOnlyList<StoredPoint> points, CancellationToken ct);

    Task<int> DeletePointsAsync(string collection, IReadOnlyList<string> ids, CancellationToken ct);

    Task AddDocumentAsync(DocumentRecord document, IReadOnlyList<StoredPoint> chunks, CancellationToken ct);

    Task<IReadOnlyList<DocumentRecord>> ListDocumentsAsync(CancellationToken ct);

    Task<DocumentRecord?> GetDocumentAsync(string id, CancellationToken ct);

    /// <summary>Removes the document and its chunks; false when it did not exist.</summary>
    Task<bool> DeleteDocumentAsync(string id, CancellationToken ct);
}
