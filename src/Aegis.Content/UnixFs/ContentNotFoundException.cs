namespace Aegis.Content.UnixFs;

/// <summary>A block or path the caller named is not in the store (or the peers): Kubo's "not found" errors.</summary>
public sealed class ContentNotFoundException(string message) : Exception(message);
