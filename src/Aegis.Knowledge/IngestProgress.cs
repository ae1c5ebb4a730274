namespace Aegis.Knowledge;

/// <summary>A document being ingested right now: visible to its owner in the document list with status "processing".</summary>
public sealed class IngestProgress(string docId, string fileName, string collection, string owner, string? areaId)
{
    public string DocId { get; } = docId;

    public string FileName { get; } = fileName;

    public string Collection { get; } = collection;

    public string Owner { get; } = owner;

    public string? AreaId { get; } = areaId;

    /// <summary>extracting | chunking | embedding | storing.</summary>
    public string Stage { get; set; } = "extracting";

    public int ChunksTotal { get; set; }

    public int ChunksEmbedded { get; set; }
}
