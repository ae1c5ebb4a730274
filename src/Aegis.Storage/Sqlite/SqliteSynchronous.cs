namespace Aegis.Storage.Sqlite;

/// <summary>SQLite's <c>PRAGMA synchronous</c> levels that make sense with a WAL journal.</summary>
internal enum SqliteSynchronous
{
    /// <summary>The WAL is synced at checkpoints only: a commit survives a process crash, but a power loss may undo the last ones.</summary>
    Normal = 1,

    /// <summary>The WAL is synced at every commit: a commit survives a power loss.</summary>
    Full = 2,
}
