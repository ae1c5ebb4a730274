namespace Aegis.Storage;

/// <summary>A key's committed value and the height of the block that last wrote it.</summary>
public sealed record KvEntry(byte[] Key, byte[] Value, ulong Height);
