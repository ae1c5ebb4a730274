namespace Aegis.Storage;

/// <summary>
/// One opaque entry of the replica's write-ahead record. The store does not interpret <see cref="Data"/>;
/// <see cref="Height"/> only serves truncation below a stable checkpoint.
/// </summary>
public sealed record ConsensusRecordEntry(ulong Height, byte[] Data);
