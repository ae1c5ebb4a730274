namespace Aegis.Storage;

/// <summary>
/// The layout version both engines record in their schema table. Bump it with a migration when tables change; an old
/// build refuses a newer database instead of misreading it.
/// </summary>
internal static class SchemaVersion
{
    /// <summary>2: the state tree (table <c>state_nodes</c>); the state roots in blocks and tip are tree roots.</summary>
    public const int Current = 2;

    /// <exception cref="StorageException">the database was written by a newer layout than this build knows, or by an older one it cannot read.</exception>
    public static void EnsureReadable(int stored, string description)
    {
        if (stored < Current)
        {
            // Version 1 roots were a hash chain over effects: that chain is another chain to this build, and its
            // blocks' state roots cannot be turned into tree roots without changing the signed headers.
            throw new StorageException(
                $"{description}: the database has schema version {stored}, written before the state tree (version {Current}): its state roots are not tree roots, so this build of AEGIS {Core.AegisVersion.Value} cannot continue its chain (the database was not changed); " +
                "resync: move the data directory (or PostgreSQL schema) aside and start the node empty to sync from its peers, or restore a backup made by this build");
        }

        if (stored > Current)
        {
            throw new StorageException(
                $"{description}: the database has schema version {stored}, but this build of AEGIS {Core.AegisVersion.Value} knows versions up to {Current}; run a newer AEGIS build (the database was not changed)");
        }
    }
}
