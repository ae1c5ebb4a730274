namespace Aegis.Storage;

/// <summary>
/// The layout version both engines record in their schema table. Bump it with a migration when tables change; an old
/// build refuses a newer database instead of misreading it.
/// </summary>
internal static class SchemaVersion
{
    /// <summary>
    /// 2: the state tree (table <c>state_nodes</c>); the state roots in blocks and tip are tree roots.
    /// 3: the tree's nodes keyed by (version, hash), with a stale log and a root index (docs/state-commitment.md).
    /// 4: the stale log holds one row per block (the list of its stale nodes) instead of one per node.
    /// </summary>
    public const int Current = 4;

    /// <exception cref="StorageException">the database was written by a newer layout than this build knows, or by an older one it cannot read.</exception>
    public static void EnsureReadable(int stored, string description)
    {
        if (stored == 2)
        {
            // The same chain, another node layout: a version-2 table is keyed by node hash and its inner nodes do not
            // name their children's versions, so it cannot be read as version 3 without rewriting the whole tree.
            throw new StorageException(
                $"{description}: the database has schema version 2, whose state tree nodes are keyed by hash; this build of AEGIS {Core.AegisVersion.Value} keys them by version (schema {Current}) and cannot read them (the database was not changed); " +
                "resync: move the data directory (or PostgreSQL schema) aside and start the node empty to sync from its peers, or restore a backup (restore replays the blocks, which rebuilds the tree)");
        }

        if (stored == 3)
        {
            // The same tree and roots, another stale log: its rows name one node each, where this build reads one list per
            // block; converting them is possible but not written, and a resync rebuilds the log from the blocks.
            throw new StorageException(
                $"{description}: the database has schema version 3, whose state tree stale log has one row per node; this build of AEGIS {Core.AegisVersion.Value} logs one row per block (schema {Current}) and cannot read it (the database was not changed); " +
                "resync: move the data directory (or PostgreSQL schema) aside and start the node empty to sync from its peers, or restore a backup (restore replays the blocks, which rebuilds the tree)");
        }

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
