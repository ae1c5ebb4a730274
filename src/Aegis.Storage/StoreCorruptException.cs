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

    /// <summary>Damage that is not one block row's (the tip row, say); <see cref="Height"/> is 0.</summary>
    public StoreCorruptException(string reason)
        : base($"{reason}; the database is damaged", new InvalidDataException(reason))
    {
        Reason = reason;
    }

    /// <summary>A tip row must always exist: the schema inserts it with the tables, and writes only update it.</summary>
    public static StoreCorruptException TipMissing() => new("the tip row is missing (the schema creates it with the tables)");

    /// <summary>The height of the damaged row (0 when the damage is not a block row's).</summary>
    public ulong Height { get; }

    /// <summary>What differs, without the height ("hashes to …, its certificate is for …").</summary>
    public string Reason { get; }
}
