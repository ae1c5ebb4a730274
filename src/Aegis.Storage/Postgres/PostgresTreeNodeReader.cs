using Aegis.Core.Crypto;
using Aegis.Core.Encoding;
using Aegis.Core.State.Commitment;
using Npgsql;
using NpgsqlTypes;

namespace Aegis.Storage.Postgres;

/// <summary>
/// The state tree's committed nodes in PostgreSQL, one synchronous read per node on a pooled connection. It sits behind
/// a <see cref="StateNodes.TreeNodeCache"/>, so a block pays round trips only for the nodes below the cached levels.
/// </summary>
internal sealed class PostgresTreeNodeReader(NpgsqlDataSource dataSource, string description) : ITreeNodeReader
{
    public TreeNode Get(NodeRef at)
    {
        byte[]? bytes;
        try
        {
            using NpgsqlCommand select = dataSource.CreateCommand("SELECT node FROM state_nodes WHERE version = $1 AND hash = $2");
            select.Parameters.Add(new NpgsqlParameter { Value = DbValues.Height(at.Version), NpgsqlDbType = NpgsqlDbType.Bigint });
            select.Parameters.Add(new NpgsqlParameter { Value = DbValues.Hash(at.Hash), NpgsqlDbType = NpgsqlDbType.Bytea });
            bytes = select.ExecuteScalar() as byte[];
        }
        catch (NpgsqlException ex)
        {
            throw new StorageException($"{description}: reading state_nodes row {at} failed: {ErrorText.Flatten(ex)}", ex);
        }

        if (bytes is null)
        {
            throw new MissingTreeNodeException(at);
        }

        try
        {
            return TreeNode.FromBytes(bytes, at);
        }
        catch (CodecException ex)
        {
            throw new StorageException($"{description}: state_nodes row {at} is corrupt: {ex.Message}", ex);
        }
    }

    public NodeRef FindRoot(Hash32 root)
    {
        object? version;
        try
        {
            using NpgsqlCommand select = dataSource.CreateCommand("SELECT version FROM state_roots WHERE hash = $1");
            select.Parameters.Add(new NpgsqlParameter { Value = DbValues.Hash(root), NpgsqlDbType = NpgsqlDbType.Bytea });
            version = select.ExecuteScalar();
        }
        catch (NpgsqlException ex)
        {
            throw new StorageException($"{description}: reading state_roots row {root.ToShortString()} failed: {ErrorText.Flatten(ex)}", ex);
        }

        return version is long v && v >= 0 ? new NodeRef(root, (ulong)v) : throw new MissingTreeNodeException(root);
    }
}
