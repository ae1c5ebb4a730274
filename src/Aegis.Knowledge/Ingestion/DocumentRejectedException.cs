namespace Aegis.Knowledge.Ingestion;

/// <summary>
/// An upload that cannot be indexed (unsupported type, damaged or encrypted file, no text). The message names the file
/// and the problem; nothing of the document is stored when this is thrown.
/// </summary>
public sealed class DocumentRejectedException : Exception
{
    public DocumentRejectedException(string code, string message)
        : base(message) => Code = code;

    public DocumentRejectedException(string code, string message, Exception inner)
        : base(message, inner) => Code = code;

    /// <summary>Machine-readable reason: <c>unsupported_type</c>, <c>unreadable_document</c>, <c>empty_document</c>, <c>too_large</c>.</summary>
    public string Code { get; }
}
