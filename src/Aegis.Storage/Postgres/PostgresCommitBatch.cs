using Aegis.Core.Crypto;
using Aegis.Core.Ledger;
using Aegis.Core.State;
using Aegis.Core.State.Commitment;
using Npgsql;
using NpgsqlTypes;

namespace Aegis.Storage.Postgres;

/// <summary>
/// Everything a <see cref="WriteGroup"/> writes, as a single batch: one round trip, and — because a batch without an
/// explicit transaction runs in one implicit transaction — all or nothing, one commit. Rows go in as arrays through
/// <c>unnest</c>, so a 2000-transaction block is still five statements.
/// </summary>
internal static class PostgresCommitBatch
{
    /// <summary>Fills <paramref name="batch"/> for <paramref name="group"/>, each block checked against the tip the one before leaves; returns the last.</summary>
    /// <exception cref="BlockRejectedException">a block does not extend its predecessor; the batch must not run.</exception>
    /// <param name="first">the store's first block, read by the caller when the group backfills history.</param>
    public static ChainTip Build(NpgsqlBatch batch, ChainTip tip, WriteGroup group, Hash32? genesisHash, StoredBlock? first = null)
    {
        if (group.History.Count > 0)
        {
            ChainRules.CheckHistory(first?.Height ?? 0, first?.Block.Header.PreviousHash ?? Hash32.Zero, group.History, genesisHash);
            foreach (BlockWrite h in group.History)
            {
                AddHistoryBlock(batch, h.Block, h.Certificate, h.Result);
            }
        }

        // A snapshot's first block extends a block the store does not hold; the database still checks that its tip is the empty one.
        ChainTip? snapshotStart = group.FromSnapshot ? ChainRules.SnapshotStart(tip, group) : null;
        foreach (BlockWrite b in group.Blocks)
        {
            ChainRules.CheckExtends(snapshotStart ?? tip, b.Block, b.Certificate, b.Result, genesisHash);
            snapshotStart = null;
            AddBlock(batch, tip, b.Block, b.Certificate, b.Result, belowHistory: group.FromSnapshot && ReferenceEquals(b, group.Blocks[^1]));
            tip = new ChainTip(b.Block.Height, b.Block.Hash, b.Result.StateRoot, b.Block.Header.TimestampMs);
        }

        if (group.KvHeights.Count > 0)
        {
            // One entry per key (KvHeight.LastWrites), so one statement; rows no longer at 0 keep their height.
            Add(
                batch,
                "UPDATE kv SET height = t.h FROM unnest($1::bytea[], $2::bigint[]) AS t(k, h) WHERE kv.key = t.k AND kv.height = 0",
                ByteaArray([.. group.KvHeights.Select(h => h.Key)]),
                new NpgsqlParameter { Value = group.KvHeights.Select(h => DbValues.Height(h.Height)).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        }

        if (group.Record.Count > 0)
        {
            // Sequence numbers continue from the current maximum in entry order: append order is the order of the arrays.
            Add(
                batch,
                """
                INSERT INTO consensus_record (seq, height, data)
                SELECT last.seq + t.ord, t.height, t.data
                FROM (SELECT COALESCE(MAX(seq), 0) AS seq FROM consensus_record) AS last,
                     unnest($1::bigint[], $2::bytea[]) WITH ORDINALITY AS t(height, data, ord)
                """,
                new NpgsqlParameter { Value = group.Record.Select(e => DbValues.Height(e.Height)).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint },
                new NpgsqlParameter { Value = group.Record.Select(e => e.Data).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
        }

        if (group.TruncateRecordBelow > 0)
        {
            Add(batch, "DELETE FROM consensus_record WHERE height < $1", Bigint(DbValues.Height(group.TruncateRecordBelow)));
        }

        if (group.PruneStateNodesUpTo > 0)
        {
            foreach (string prune in PostgresSchema.PruneNodes)
            {
                Add(batch, prune, Bigint(DbValues.Height(group.PruneStateNodesUpTo)));
            }
        }

        return tip;
    }

    /// <summary>A backfilled block's row and tx rows (the unique height catches a concurrent backfill of the same block).</summary>
    private static void AddHistoryBlock(NpgsqlBatch batch, Block block, CommitCertificate certificate, ExecutionResult result)
    {
        long height = DbValues.Height(block.Height);
        byte[] blockHash = DbValues.Hash(block.Hash);
        Add(
            batch,
            "INSERT INTO blocks (height, hash, block, certificate, state_root, timestamp_ms) VALUES ($1, $2, $3, $4, $5, $6)",
            Bigint(height), Bytea(blockHash), Bytea(block.ToBytes()), Bytea(certificate.ToBytes()), Bytea(DbValues.Hash(result.StateRoot)), Bigint(block.Header.TimestampMs));
        AddTxRows(batch, PostgresSchema.UpsertHistoryTxs, TxIndexRow.From(block, result), height, blockHash);
    }

    private static void AddTxRows(NpgsqlBatch batch, string sql, List<TxIndexRow> rows, long height, byte[] blockHash)
    {
        if (rows.Count == 0)
        {
            return;
        }

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
            sql,
            new NpgsqlParameter { Value = hashes, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea },
            new NpgsqlParameter { Value = indexes, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer },
            new NpgsqlParameter { Value = outcomes, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Smallint },
            Bigint(height),
            Bytea(blockHash));
    }

    /// <param name="belowHistory">the kv rows go in at height 0 (a snapshot's state, see <see cref="KvHeight"/>).</param>
    private static void AddBlock(NpgsqlBatch batch, ChainTip expectedTip, Block block, CommitCertificate certificate, ExecutionResult result, bool belowHistory)
    {
        long height = DbValues.Height(block.Height);
        byte[] blockHash = DbValues.Hash(block.Hash);
        byte[] stateRoot = DbValues.Hash(result.StateRoot);

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
            Add(batch, PostgresSchema.UpsertKv, ByteaArray(putKeys), ByteaArray(putValues), Bigint(belowHistory ? 0 : height));
        }

        if (deleteKeys.Count > 0)
        {
            Add(batch, "DELETE FROM kv WHERE key = ANY($1)", ByteaArray(deleteKeys));
        }

        AddTxRows(batch, PostgresSchema.UpsertTxs, TxIndexRow.From(block, result), height, blockHash);

        AddTreeUpdate(batch, height, result.Tree);
        Add(
            batch,
            "UPDATE tip SET height = $1, block_hash = $2, state_root = $3, timestamp_ms = $4 WHERE id = 1",
            Bigint(height), Bytea(blockHash), Bytea(stateRoot), Bigint(block.Header.TimestampMs));
    }

    /// <summary>The block's tree update at version = height, as <see cref="Sqlite.SqliteTreeNodeStore.Apply"/>: new nodes, stale log, root.</summary>
    private static void AddTreeUpdate(NpgsqlBatch batch, long height, TreeUpdate update)
    {
        if (!update.Changed)
        {
            return;
        }

        if (update.NewNodes.Count > 0)
        {
            var hashes = new List<byte[]>(update.NewNodes.Count);
            var nodes = new List<byte[]>(update.NewNodes.Count);
            foreach (TreeNode node in update.NewNodes.OrderBy(n => n.Hash))
            {
                if (node.Version != (ulong)height)
                {
                    throw new InvalidOperationException($"state tree store: node {node.Ref} in an update at version {height}");
                }

                hashes.Add(DbValues.Hash(node.Hash));
                nodes.Add(node.ToBytes());
            }

            Add(batch, PostgresSchema.InsertNodes, Bigint(height), ByteaArray(hashes), ByteaArray(nodes));
        }

        if (update.StaleNodes.Count > 0)
        {
            NodeRef[] stale = [.. update.StaleNodes.OrderBy(s => s.Version).ThenBy(s => s.Hash)];
            Add(
                batch,
                PostgresSchema.LogStaleNodes,
                Bigint(height),
                new NpgsqlParameter { Value = stale.Select(s => DbValues.Height(s.Version)).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint },
                ByteaArray([.. stale.Select(s => DbValues.Hash(s.Hash))]));
        }

        if (!update.Root.IsZero)
        {
            Add(batch, PostgresSchema.UpsertRoot, Bytea(DbValues.Hash(update.Root)), Bigint(DbValues.Height(update.RootVersion)));
        }
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
