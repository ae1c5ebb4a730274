using System.Text.Json.Nodes;

namespace Aegis.Knowledge.Retrieval;

/// <summary>
/// One indexed vector with its payload. Knowledge chunks are points whose payload carries doc_id, text, owner and
/// area_id; points written through the Qdrant API carry whatever payload their client chose.
/// </summary>
/// <param name="Id">a Qdrant point id: an unsigned integer or a UUID, in canonical text form.</param>
/// <param name="Vector">unit length for cosine collections (normalised on the way in).</param>
/// <param name="Text">the passage BM25 indexes: a chunk's text, or a Qdrant payload's <c>text</c>/<c>page_content</c>.</param>
/// <param name="Owner">who uploaded it (JWT subject); decides visibility in personal_knowledge.</param>
/// <param name="AreaId">the area whose members may read it; null when not in an area.</param>
public sealed record Point(string Id, float[] Vector, JsonObject Payload, string? Text, string? Owner, string? AreaId)
{
    public string? DocId => Payload["doc_id"]?.GetValueKind() == System.Text.Json.JsonValueKind.String ? (string?)Payload["doc_id"] : null;
}

/// <summary>A point with its score in one ranking.</summary>
public readonly record struct ScoredPoint(Point Point, float Score);
