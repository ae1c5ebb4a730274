using Aegis.Core.Crypto;
using Aegis.Core.Encoding;
using Aegis.Core.State.Commitment;
using Microsoft.Data.Sqlite;

namespace Aegis.Storage.Sqlite;

/// <summary>
/// The state tree's node table in SQLite, keyed by (version, hash) so that a block's new nodes are appended at the end
/// of the B-tree; an append-only stale log; and a root index (root hash → the version of its newest row). Additive: its
/// own tables, created by <see cref="EnsureTable"/>, on a connection the caller owns, so the node's store can write a
/// block's <see cref="TreeUpdate"/> in the block's own transaction.
/// </summary>
/// <remarks>
/// Why this layout (measured, bench/README.md "Re-keyed"): keyed by hash alone, each 1,000-update block inserted ~18k
/// rows and updated ~18k stale marks at random positions of the table, so a block dirtied a large part of its pages;
/// here the inserts and log rows go to the last pages of their tables, and only the root index row is random.
/// </remarks>
public sealed class SqliteTreeNodeStore : ITreeNodeStore, IDisposable
{
    internal const string CreateTable = """
        CREATE TABLE IF NOT EXISTS state_nodes (
            version INTEGER NOT NULL,
            hash BLOB NOT NULL,
            node BLOB NOT NULL,
            PRIMARY KEY (version, hash)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS state_stale (
            since INTEGER NOT NULL,
            version INTEGER NOT NULL,
            hash BLOB NOT NULL,
            PRIMARY KEY (since, version, hash)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS state_roots (
            hash BLOB PRIMARY KEY,
            version INTEGER NOT NULL) WITHOUT ROWID;
        """;

    private readonly SqliteConnection _connection;

    // Compiled once: execution reads thousands of nodes per block, and parsing the statement per read cost more than the read.
    private SqliteCommand? _select;
    private SqliteCommand? _selectRoot;
    private SqliteCommand? _insert;
    private SqliteCommand? _logStale;
    private SqliteCommand? _upsertRoot;

    public SqliteTreeNodeStore(SqliteConnection connection) => _connection = connection ?? throw new ArgumentNullException(nameof(connection));

    /// <summary>The transaction that <see cref="Apply"/> and reads join (the block's), or null for autocommit.</summary>
    public SqliteTransaction? Transaction { get; set; }

    public static void EnsureTable(SqliteConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        using SqliteCommand create = connection.CreateCommand();
        create.CommandText = CreateTable;
        create.ExecuteNonQuery();
    }

    /// <exception cref="MissingTreeNodeException">no row at <paramref name="at"/>.</exception>
    /// <exception cref="StorageException">the row is there but is not the node its key names (altered on disk).</exception>
    public TreeNode Get(NodeRef at)
    {
        SqliteCommand select = _select ??= Prepare("SELECT node FROM state_nodes WHERE version = $version AND hash = $hash", ("$version", SqliteType.Integer), ("$hash", SqliteType.Blob));
        select.Transaction = Transaction;
        select.Parameters[0].Value = checked((long)at.Version);
        select.Parameters[1].Value = at.Hash.ToArray();
        object? row;
        try
        {
            row = select.ExecuteScalar();
        }
        catch (SqliteException ex)
        {
            throw new StorageException($"reading state_nodes row {at} failed: {ErrorText.Flatten(ex)}", ex);
        }

        if (row is not byte[] bytes)
        {
            throw new MissingTreeNodeException(at);
        }

        try
        {
            return TreeNode.FromBytes(bytes, at);
        }
        catch (CodecException ex)
        {
            throw new StorageException($"state_nodes row {at} is corrupt: {ex.Message}", ex);
        }
    }

    public NodeRef FindRoot(Hash32 root)
    {
        SqliteCommand select = _selectRoot ??= Prepare("SELECT version FROM state_roots WHERE hash = $hash", ("$hash", SqliteType.Blob));
        select.Transaction = Transaction;
        select.Parameters[0].Value = root.ToArray();
        object? row;
        try
        {
            row = select.ExecuteScalar();
        }
        catch (SqliteException ex)
        {
            throw new StorageException($"reading state_roots row {root.ToShortString()} failed: {ErrorText.Flatten(ex)}", ex);
        }

        return row is long version && version >= 0 ? new NodeRef(root, (ulong)version) : throw new MissingTreeNodeException(root);
    }

    /// <summary>Inserts the new nodes (in key order: appended), logs the stale ones, records the root.</summary>
    public void Apply(TreeUpdate update, ulong version)
    {
        ArgumentNullException.ThrowIfNull(update);
        if (!update.Changed)
        {
            return;
        }

        long v = checked((long)version);
        SqliteCommand insert = _insert ??= Prepare("INSERT INTO state_nodes (version, hash, node) VALUES ($version, $hash, $node)", ("$version", SqliteType.Integer), ("$hash", SqliteType.Blob), ("$node", SqliteType.Blob));
        insert.Transaction = Transaction;
        insert.Parameters[0].Value = v;
        foreach (TreeNode n in update.NewNodes.OrderBy(n => n.Hash))
        {
            if (n.Version != version)
            {
                throw new InvalidOperationException($"state tree store: node {n.Ref} in an update at version {version}");
            }

            insert.Parameters[1].Value = n.Hash.ToArray();
            insert.Parameters[2].Value = n.ToBytes();
            insert.ExecuteNonQuery();
        }

        SqliteCommand log = _logStale ??= Prepare("INSERT INTO state_stale (since, version, hash) VALUES ($since, $version, $hash)", ("$since", SqliteType.Integer), ("$version", SqliteType.Integer), ("$hash", SqliteType.Blob));
        log.Transaction = Transaction;
        log.Parameters[0].Value = v;
        foreach (NodeRef stale in update.StaleNodes.OrderBy(s => s.Version).ThenBy(s => s.Hash))
        {
            log.Parameters[1].Value = checked((long)stale.Version);
            log.Parameters[2].Value = stale.Hash.ToArray();
            log.ExecuteNonQuery();
        }

        if (!update.Root.IsZero)
        {
            SqliteCommand root = _upsertRoot ??= Prepare(
                "INSERT INTO state_roots (hash, version) VALUES ($hash, $version) ON CONFLICT (hash) DO UPDATE SET version = excluded.version",
                ("$hash", SqliteType.Blob),
                ("$version", SqliteType.Integer));
            root.Transaction = Transaction;
            root.Parameters[0].Value = update.Root.ToArray();
            root.Parameters[1].Value = checked((long)update.RootVersion);
            root.ExecuteNonQuery();
        }
    }

    public void Dispose()
    {
        foreach (SqliteCommand? command in new[] { _select, _selectRoot, _insert, _logStale, _upsertRoot })
        {
            command?.Dispose();
        }

        (_select, _selectRoot, _insert, _logStale, _upsertRoot) = (null, null, null, null, null);
    }

    /// <summary>Deletes the nodes logged stale at a version up to <paramref name="version"/>, and their log rows; roots older than it are gone after this.</summary>
    public int PruneStaleUpTo(ulong version)
    {
        using SqliteCommand delete = _connection.CreateCommand();
        delete.Transaction = Transaction;
        delete.CommandText = """
            DELETE FROM state_roots WHERE (hash, version) IN (SELECT hash, version FROM state_stale WHERE since <= $version);
            DELETE FROM state_nodes WHERE (version, hash) IN (SELECT version, hash FROM state_stale WHERE since <= $version);
            """;
        delete.Parameters.AddWithValue("$version", checked((long)version));
        delete.ExecuteNonQuery();
        using SqliteCommand log = _connection.CreateCommand();
        log.Transaction = Transaction;
        log.CommandText = "DELETE FROM state_stale WHERE since <= $version";
        log.Parameters.AddWithValue("$version", checked((long)version));
        return log.ExecuteNonQuery();
    }

    private SqliteCommand Prepare(string sql, params (string Name, SqliteType Type)[] parameters)
    {
        SqliteCommand command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach ((string name, SqliteType type) in parameters)
        {
            command.Parameters.Add(name, type);
        }

        return command;
    }
}
