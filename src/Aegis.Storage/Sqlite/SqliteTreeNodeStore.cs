using Aegis.Core.Crypto;
using Aegis.Core.Encoding;
using Aegis.Core.State.Commitment;
using Microsoft.Data.Sqlite;

namespace Aegis.Storage.Sqlite;

/// <summary>
/// The state tree's content-addressed node table in SQLite: one row per node, named by its hash, with the version that
/// made it stale (null while it is reachable from the newest root). Additive: its own table, created by
/// <see cref="EnsureTable"/>, on a connection the caller owns, so the node's store can write a block's
/// <see cref="TreeUpdate"/> in the block's own transaction. <see cref="SqliteNodeStore"/> creates the table with its
/// schema and writes each block's update in the block's transaction.
/// </summary>
public sealed class SqliteTreeNodeStore : ITreeNodeStore
{
    // WITHOUT ROWID: the key is a random 32-byte hash, so each row lives once, in the key's B-tree.
    internal const string CreateTable = """
        CREATE TABLE IF NOT EXISTS state_nodes (
            hash BLOB PRIMARY KEY,
            node BLOB NOT NULL,
            stale_since INTEGER) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS state_nodes_stale ON state_nodes (stale_since) WHERE stale_since IS NOT NULL;
        """;

    private readonly SqliteConnection _connection;

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

    /// <exception cref="MissingTreeNodeException">no row for <paramref name="hash"/>.</exception>
    /// <exception cref="StorageException">the row is there but is not the node it is named after (altered on disk).</exception>
    public TreeNode Get(Hash32 hash)
    {
        using SqliteCommand select = _connection.CreateCommand();
        select.Transaction = Transaction;
        select.CommandText = "SELECT node FROM state_nodes WHERE hash = $hash";
        select.Parameters.AddWithValue("$hash", hash.ToArray());
        object? row;
        try
        {
            row = select.ExecuteScalar();
        }
        catch (SqliteException ex)
        {
            throw new StorageException($"reading state_nodes row {hash.ToShortString()} failed: {ErrorText.Flatten(ex)}", ex);
        }

        if (row is not byte[] bytes)
        {
            throw new MissingTreeNodeException(hash);
        }

        try
        {
            return TreeNode.FromBytes(bytes, hash);
        }
        catch (CodecException ex)
        {
            throw new StorageException($"state_nodes row {hash.ToShortString()} is corrupt: {ex.Message}", ex);
        }
    }

    /// <summary>Marks the stale nodes, then inserts the new ones (clearing a stale mark a recreated node carries).</summary>
    public void Apply(TreeUpdate update, ulong version)
    {
        ArgumentNullException.ThrowIfNull(update);
        using SqliteCommand mark = _connection.CreateCommand();
        mark.Transaction = Transaction;
        mark.CommandText = "UPDATE state_nodes SET stale_since = $version WHERE hash = $hash";
        SqliteParameter markVersion = mark.Parameters.Add("$version", SqliteType.Integer);
        SqliteParameter markHash = mark.Parameters.Add("$hash", SqliteType.Blob);
        markVersion.Value = checked((long)version);
        foreach (Hash32 stale in update.StaleNodes)
        {
            markHash.Value = stale.ToArray();
            mark.ExecuteNonQuery();
        }

        using SqliteCommand insert = _connection.CreateCommand();
        insert.Transaction = Transaction;
        insert.CommandText = "INSERT INTO state_nodes (hash, node, stale_since) VALUES ($hash, $node, NULL) ON CONFLICT (hash) DO UPDATE SET stale_since = NULL";
        SqliteParameter hash = insert.Parameters.Add("$hash", SqliteType.Blob);
        SqliteParameter node = insert.Parameters.Add("$node", SqliteType.Blob);
        foreach (TreeNode n in update.NewNodes)
        {
            hash.Value = n.Hash.ToArray();
            node.Value = n.ToBytes();
            insert.ExecuteNonQuery();
        }
    }

    /// <summary>Deletes the nodes stale since a version up to <paramref name="version"/>; roots older than it are gone after this.</summary>
    public int PruneStaleUpTo(ulong version)
    {
        using SqliteCommand delete = _connection.CreateCommand();
        delete.Transaction = Transaction;
        delete.CommandText = "DELETE FROM state_nodes WHERE stale_since IS NOT NULL AND stale_since <= $version";
        delete.Parameters.AddWithValue("$version", checked((long)version));
        return delete.ExecuteNonQuery();
    }
}
