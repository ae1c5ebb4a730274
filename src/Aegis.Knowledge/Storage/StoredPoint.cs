namespace Aegis.Knowledge.Storage;

/// <summary>A point as stored: its vector, payload (JSON text), BM25 text, access fields, and the model that made the vector.</summary>
public sealed record StoredPoint(string Id, float[] Vector, string PayloadJson, string? Text, string? Owner, string? AreaId, string? DocId, string Model, string ModelVersion);

/// <summary>A collection's definition: vector size and distance; managed collections belong to the document API.</summary>
public sealed record CollectionRecord(string Name, int Dimensions, string Distance, bool Managed, long CreatedAtMs);

/// <summary>An ingested document: where it belongs, who owns it, what it was, how many chunks it became, and with which model.</summary>
public sealed record DocumentRecord(
    string Id,
    string Collection,
    string Owner,
    string? AreaId,
    string FileName,
    string Format,
    long Bytes,
    string Sha256,
    int Chunks,
    string Model,
    string ModelVersion,
    long CreatedAtMs,
    string OriginalPath);
