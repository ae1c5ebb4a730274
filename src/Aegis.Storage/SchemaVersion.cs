namespace Aegis.Storage;

/// <summary>
/// The layout version both engines record in their schema table. Bump it with a migration when tables change; an old
/// build refuses a newer database instead of misreading it.
/// </summary>
internal static class SchemaVersion
{
    public const int Current = 1;

    /// <exception cref="StorageException">the database was written by a newer layout than this build knows.</exception>
    public static void EnsureReadable(int stored, string description)
    {
        if (stored > Current)
        {
            throw new StorageException(
                $"{description}: the database has schema version {stored}, but this build of AEGIS {Core.AegisVersion.Value} knows versions up to {Current}; run a newer AEGIS build (the database was not changed)");
        }
    }
}
