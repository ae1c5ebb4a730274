namespace Aegis.Storage;

/// <summary>
/// Stored data does not match what it claims to be: a block row that does not decode, or whose bytes no longer hash to
/// the hash it was certified under. Never a transient failure: the node must stop serving that store.
/// </summary>
public sealed class StoreCorruptException : StorageException
{
    public StoreCorruptException(ulong height, string reason, Exception? inner = null)
        : base($"the stored block at height {height} {reason}; the database is damaged", inner ?? new InvalidDataException(reason))
    {
        Height = height;
        Reason = reason;
    }

    /// <summary>The height of the damaged row.</summary>
    public ulong Height { get; }

    /// <summary>What differs, without the height ("hashes to …, its certificate is for …").</summary>
    public string Reason { get; }
}
