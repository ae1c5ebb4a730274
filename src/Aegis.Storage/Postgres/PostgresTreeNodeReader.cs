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
    public TreeNode Get(Hash32 hash)
    {
        byte[]? bytes;
        try
        {
            using NpgsqlCommand select = dataSource.CreateCommand("SELECT node FROM state_nodes WHERE hash = $1");
            select.Parameters.Add(new NpgsqlParameter { Value = DbValues.Hash(hash), NpgsqlDbType = NpgsqlDbType.Bytea });
            bytes = select.ExecuteScalar() as byte[];
        }
        catch (NpgsqlException ex)
        {
            throw new StorageException($"{description}: reading state_nodes row {hash.ToShortString()} failed: {ErrorText.Flatten(ex)}", ex);
        }

        if (bytes is null)
        {
            throw new MissingTreeNodeException(hash);
        }

        try
        {
            return TreeNode.FromBytes(bytes, hash);
        }
        catch (CodecException ex)
        {
            throw new StorageException($"{description}: state_nodes row {hash.ToShortString()} is corrupt: {ex.Message}", ex);
        }
    }
}
