using Aegis.Core.Crypto;
using Aegis.Core.Encoding;
using Aegis.Core.State.Commitment;
using Microsoft.Data.Sqlite;

namespace Aegis.Storage.Sqlite;

/// <summary>
/// The state tree's node table in SQLite, keyed by (version, hash) so that a block's new nodes are appended at the end
/// of the B-tree; an append-only stale log, one row per block; and a root index (root hash → the version of its newest
/// row). Additive: its own tables, created by <see cref="EnsureTable"/>, on a connection the caller owns, so the node's
/// store can write a block's <see cref="TreeUpdate"/> in the block's own transaction.
/// </summary>
/// <remarks>
/// Why this layout (measured, bench/README.md "Re-keyed"): keyed by hash alone, each 1,000-update block inserted ~18k
/// rows and updated ~18k stale marks at random positions of the table, so a block dirtied a large part of its pages;
/// here the inserts and the log row go to the last pages of their tables, and only the root index row is random. Why
/// few statements (bench/README.md "Tree writes in few statements"): with the rows appended, the per-statement cost was
/// what remained, so nodes go in <see cref="RowsPerInsert"/> to a statement and the stale list as one blob.
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
            since INTEGER PRIMARY KEY,
            nodes BLOB NOT NULL);
        CREATE TABLE IF NOT EXISTS state_roots (
            hash BLOB PRIMARY KEY,
            version INTEGER NOT NULL) WITHOUT ROWID;
        """;

    /// <summary>
    /// Node rows per INSERT: 513 parameters, far below SQLite's limit (32,766 since 3.32). A block's rows go in
    /// statements of 256, then 16, then 1; more rows per statement stopped paying at ~256 (measured with 64 and 256).
    /// </summary>
    internal const int RowsPerInsert = 256;

    private static readonly int[] InsertSizes = [RowsPerInsert, 16, 1];

    /// <summary>Logged nodes sorted and deleted together at most (~10 MB of keys): a bound on pruning's memory.</summary>
    private const int PruneSortBatch = 262_144;

    private readonly SqliteConnection _connection;

    // Compiled once: execution reads thousands of nodes per block, and parsing the statement per read cost more than the read.
    private SqliteCommand? _select;
    private SqliteCommand? _selectRoot;
    private SqliteCommand? _logStale;
    private SqliteCommand? _upsertRoot;
    private readonly SqliteRawStatement?[] _inserts = new SqliteRawStatement?[InsertSizes.Length];
    private SqliteRawStatement? _deleteNode;

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

    /// <summary>Inserts the new nodes (in key order: appended), logs the stale ones in one row, records the root.</summary>
    public void Apply(TreeUpdate update, ulong version)
    {
        ArgumentNullException.ThrowIfNull(update);
        if (!update.Changed)
        {
            return;
        }

        long v = checked((long)version);
        InsertNodes(update.NewNodes, version);

        if (update.StaleNodes.Count > 0)
        {
            SqliteCommand log = _logStale ??= Prepare("INSERT INTO state_stale (since, nodes) VALUES ($since, $nodes)", ("$since", SqliteType.Integer), ("$nodes", SqliteType.Blob));
            log.Transaction = Transaction;
            log.Parameters[0].Value = v;
            log.Parameters[1].Value = StaleListBlob.Encode(update.StaleNodes);
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
        foreach (SqliteCommand? command in new[] { _select, _selectRoot, _logStale, _upsertRoot })
        {
            command?.Dispose();
        }

        foreach (SqliteRawStatement? insert in _inserts)
        {
            insert?.Dispose();
        }

        _deleteNode?.Dispose();
        (_select, _selectRoot, _logStale, _upsertRoot, _deleteNode) = (null, null, null, null, null);
        Array.Clear(_inserts);
    }

    /// <summary>
    /// Deletes the nodes logged stale at a version up to <paramref name="version"/>, the root index rows they were, and
    /// their log rows; roots older than it are gone after this. Returns the number of nodes deleted.
    /// </summary>
    /// <remarks>
    /// The logged nodes are deleted in (version, hash) order across blocks, up to <see cref="PruneSortBatch"/> at a
    /// time: a checkpoint prunes ~64 blocks' lists, whose nodes share pages, and in key order each page of the table is
    /// visited once instead of once per block (the table outgrows the page cache at ~1M keys).
    /// A root index row names an existing node until that node is pruned (a root is written with its node, or names one
    /// the tree holds), and a pruned node is older than the version that logged it, so the rows to drop are exactly
    /// those below <paramref name="version"/> whose node is gone: one statement over the few retained roots.
    /// </remarks>
    public int PruneStaleUpTo(ulong version)
    {
        long upTo = checked((long)version);
        int deleted = 0;
        var batch = new List<NodeRef>();
        using (SqliteCommand read = _connection.CreateCommand())
        {
            read.Transaction = Transaction;
            read.CommandText = "SELECT since, nodes FROM state_stale WHERE since <= $version ORDER BY since";
            read.Parameters.AddWithValue("$version", upTo);
            using SqliteDataReader rows = read.ExecuteReader();
            while (rows.Read())
            {
                batch.AddRange(StaleListBlob.Decode((byte[])rows[1], rows.GetInt64(0)));
                if (batch.Count >= PruneSortBatch)
                {
                    deleted += DeleteNodes(batch);
                    batch.Clear();
                }
            }
        }

        deleted += DeleteNodes(batch);
        using SqliteCommand delete = _connection.CreateCommand();
        delete.Transaction = Transaction;
        delete.CommandText = """
            DELETE FROM state_roots WHERE version < $version AND NOT EXISTS (SELECT 1 FROM state_nodes n WHERE n.version = state_roots.version AND n.hash = state_roots.hash);
            DELETE FROM state_stale WHERE since <= $version;
            """;
        delete.Parameters.AddWithValue("$version", upTo);
        delete.ExecuteNonQuery();
        return deleted;
    }

    /// <summary>Deletes <paramref name="nodes"/> in key order (sorts the list); returns how many rows were there.</summary>
    private int DeleteNodes(List<NodeRef> nodes)
    {
        nodes.Sort(StaleListBlob.KeyOrder);
        _deleteNode ??= new SqliteRawStatement(_connection, "DELETE FROM state_nodes WHERE version = ?1 AND hash = ?2");
        Span<byte> hash = stackalloc byte[Hash32.Size];
        int deleted = 0;
        foreach (NodeRef node in nodes)
        {
            node.Hash.CopyTo(hash);
            _deleteNode.Bind(1, checked((long)node.Version));
            _deleteNode.Bind(2, hash);
            deleted += _deleteNode.Execute();
        }

        return deleted;
    }

    /// <summary>The nodes, sorted by hash (all share <paramref name="version"/>, so that is key order), in statements of <see cref="InsertSizes"/> rows.</summary>
    private void InsertNodes(IReadOnlyList<TreeNode> nodes, ulong version)
    {
        TreeNode[] sorted = [.. nodes];
        Array.Sort(sorted, static (a, b) => a.Hash.CompareTo(b.Hash));
        long v = checked((long)version);
        Span<byte> hash = stackalloc byte[Hash32.Size];
        int at = 0;
        for (int size = 0; size < InsertSizes.Length; size++)
        {
            int rows = InsertSizes[size];
            while (sorted.Length - at >= rows)
            {
                SqliteRawStatement insert = _inserts[size] ??= new SqliteRawStatement(_connection, InsertSql(rows));
                insert.Bind(1, v);
                for (int i = 0; i < rows; i++)
                {
                    TreeNode n = sorted[at + i];
                    if (n.Version != version)
                    {
                        throw new InvalidOperationException($"state tree store: node {n.Ref} in an update at version {version}");
                    }

                    n.Hash.CopyTo(hash);
                    insert.Bind(2 + (2 * i), hash);
                    insert.Bind(3 + (2 * i), n.ToBytes());
                }

                insert.Execute();
                at += rows;
            }
        }
    }

    /// <summary>"INSERT … VALUES (?1, ?2, ?3), (?1, ?4, ?5), …": the version once, then each row's hash and node.</summary>
    private static string InsertSql(int rows) =>
        "INSERT INTO state_nodes (version, hash, node) VALUES " +
        string.Join(", ", Enumerable.Range(0, rows).Select(i => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"(?1, ?{2 + (2 * i)}, ?{3 + (2 * i)})")));

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
