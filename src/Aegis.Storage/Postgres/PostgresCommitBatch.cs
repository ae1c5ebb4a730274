using Aegis.Core.Ledger;
using Aegis.Core.State;
using Npgsql;
using NpgsqlTypes;

namespace Aegis.Storage.Postgres;

/// <summary>
/// Everything one committed block writes, as a single batch: one round trip, and — because a batch without an explicit
/// transaction runs in one implicit transaction — all or nothing. Rows go in as arrays through <c>unnest</c>, so a
/// 2000-transaction block is still five statements.
/// </summary>
internal static class PostgresCommitBatch
{
    public static NpgsqlBatch Build(NpgsqlConnection connection, ChainTip expectedTip, Block block, CommitCertificate certificate, ExecutionResult result)
    {
        long height = DbValues.Height(block.Height);
        byte[] blockHash = DbValues.Hash(block.Hash);
        byte[] stateRoot = DbValues.Hash(result.StateRoot);
        var batch = new NpgsqlBatch(connection);

        Add(batch, "SELECT aegis_expect_tip($1, $2)", Bigint(DbValues.Height(expectedTip.Height)), Bytea(DbValues.Hash(expectedTip.BlockHash)));
        Add(
            batch,
            "INSERT INTO blocks (height, hash, block, certificate, state_root, timestamp_ms) VALUES ($1, $2, $3, $4, $5, $6)",
            Bigint(height), Bytea(blockHash), Bytea(block.ToBytes()), Bytea(certificate.ToBytes()), Bytea(stateRoot), Bigint(block.Header.TimestampMs));

        var putKeys = new List<byte[]>();
        var putValues = new List<byte[]>();
        var deleteKeys = new List<byte[]>();
        foreach (StateChange change in result.Changes)
        {
            if (change.Value is null)
            {
                deleteKeys.Add(change.Key);
            }
            else
            {
                putKeys.Add(change.Key);
                putValues.Add(change.Value);
            }
        }

        if (putKeys.Count > 0)
        {
            Add(batch, PostgresSchema.UpsertKv, ByteaArray(putKeys), ByteaArray(putValues), Bigint(height));
        }

        if (deleteKeys.Count > 0)
        {
            Add(batch, "DELETE FROM kv WHERE key = ANY($1)", ByteaArray(deleteKeys));
        }

        List<TxIndexRow> rows = TxIndexRow.From(block, result);
        if (rows.Count > 0)
        {
            var hashes = new byte[rows.Count][];
            var indexes = new int[rows.Count];
            var outcomes = new short[rows.Count];
            for (int i = 0; i < rows.Count; i++)
            {
                hashes[i] = DbValues.Hash(rows[i].Hash);
                indexes[i] = rows[i].Index;
                outcomes[i] = (short)rows[i].Outcome;
            }

            Add(
                batch,
                PostgresSchema.UpsertTxs,
                new NpgsqlParameter { Value = hashes, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea },
                new NpgsqlParameter { Value = indexes, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer },
                new NpgsqlParameter { Value = outcomes, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Smallint },
                Bigint(height),
                Bytea(blockHash));
        }

        Add(
            batch,
            "UPDATE tip SET height = $1, block_hash = $2, state_root = $3, timestamp_ms = $4 WHERE id = 1",
            Bigint(height), Bytea(blockHash), Bytea(stateRoot), Bigint(block.Header.TimestampMs));
        return batch;
    }

    private static void Add(NpgsqlBatch batch, string sql, params NpgsqlParameter[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.AddRange(parameters);
        batch.BatchCommands.Add(command);
    }

    private static NpgsqlParameter Bigint(long value) => new() { Value = value, NpgsqlDbType = NpgsqlDbType.Bigint };

    private static NpgsqlParameter Bytea(byte[] value) => new() { Value = value, NpgsqlDbType = NpgsqlDbType.Bytea };

    private static NpgsqlParameter ByteaArray(List<byte[]> values) => new() { Value = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea };
}
