using Aegis.Core.Crypto;
using Aegis.Core.Ledger;
using Aegis.Core.State;
using Aegis.Core.State.Commitment;
using Aegis.Storage.StateNodes;

namespace Aegis.Storage.Memory;

/// <summary>
/// The third engine: everything in this process's memory, in a <see cref="MemoryStoreData"/> that outlives the store
/// object, as a file outlives a connection. It passes the same contract suite as SQLite and PostgreSQL, which is what
/// lets the simulator stand it in for a disk (its crash, fsync and failing-disk faults wrap it): the runtime under
/// simulation meets the same rules it meets in production. Blocks and record entries are kept encoded and decoded on
/// every read, so every restart and every sync also runs the codec. Every call completes synchronously.
/// </summary>
public sealed class MemoryNodeStore : INodeStore
{
    private readonly MemoryStoreData _data;
    private readonly Hash32? _genesisHash;
    private bool _initialized;

    public MemoryNodeStore(MemoryStoreData data, Hash32? genesisHash = null)
    {
        _data = data;
        _genesisHash = genesisHash;
    }

    public string Description => $"memory store {_data.Name}";

    public Task InitializeAsync(CancellationToken ct)
    {
        lock (_data.Lock)
        {
            SchemaVersion.EnsureReadable(_data.SchemaVersion, Description);
            _initialized = true;
        }

        return Task.CompletedTask;
    }

    public ITreeNodeReader StateNodes => new LockedTreeNodeReader(_data.Tree, Ready());

    public Task<ChainTip> GetTipAsync(CancellationToken ct)
    {
        lock (Ready())
        {
            return Task.FromResult(_data.Tip);
        }
    }

    public async Task<StoredBlock?> GetBlockAsync(ulong height, CancellationToken ct)
    {
        IReadOnlyList<StoredBlock> blocks = await GetBlocksAsync(height, 1, ct);
        return blocks.Count == 1 && blocks[0].Height == height ? blocks[0] : null;
    }

    public Task<IReadOnlyList<StoredBlock>> GetBlocksAsync(ulong fromHeight, int maxCount, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxCount);
        var blocks = new List<StoredBlock>();
        lock (Ready())
        {
            for (ulong h = Math.Max(_data.FirstHeight, fromHeight); h <= _data.Tip.Height && blocks.Count < maxCount; h++)
            {
                MemoryStoreData.BlockRow row = _data.Blocks[(int)(h - _data.FirstHeight)];
                blocks.Add(StoredBlockRow.Decode(h, row.Block, row.Certificate, row.StateRoot.ToArray(), row.Hash.ToArray()));
            }
        }

        return Task.FromResult<IReadOnlyList<StoredBlock>>(blocks);
    }

    public Task<ulong> GetFirstHeightAsync(CancellationToken ct)
    {
        lock (Ready())
        {
            return Task.FromResult(_data.Tip.IsEmpty ? 0 : _data.FirstHeight);
        }
    }

    public Task<KvEntry?> GetAsync(byte[] key, CancellationToken ct)
    {
        lock (Ready())
        {
            return Task.FromResult(_data.Kv.TryGetValue(Convert.ToBase64String(key), out (byte[] Value, ulong Height) v) ? new KvEntry(key.ToArray(), v.Value.ToArray(), v.Height) : null);
        }
    }

    public Task<TxLocation?> GetTxAsync(Hash32 txHash, CancellationToken ct)
    {
        lock (Ready())
        {
            return Task.FromResult(_data.Txs.GetValueOrDefault(txHash));
        }
    }

    public Task<IReadOnlySet<Hash32>> FindAppliedTxsAsync(IReadOnlyCollection<Hash32> txHashes, CancellationToken ct)
    {
        var applied = new HashSet<Hash32>();
        lock (Ready())
        {
            foreach (Hash32 hash in txHashes)
            {
                if (_data.Txs.TryGetValue(hash, out TxLocation? at) && at.Outcome == TxOutcome.Applied)
                {
                    applied.Add(hash);
                }
            }
        }

        return Task.FromResult<IReadOnlySet<Hash32>>(applied);
    }

    public Task<IReadOnlyList<ConsensusRecordEntry>> ReadConsensusRecordAsync(CancellationToken ct)
    {
        lock (Ready())
        {
            return Task.FromResult<IReadOnlyList<ConsensusRecordEntry>>([.. _data.Record.Select(e => new ConsensusRecordEntry(e.Height, e.Data.ToArray()))]);
        }
    }

    public Task WriteGroupAsync(WriteGroup group, CancellationToken ct)
    {
        if (group.IsEmpty)
        {
            return Task.CompletedTask;
        }

        lock (Ready())
        {
            // Every check before the first change: a refused group leaves nothing behind, as a rolled-back transaction.
            if (group.History.Count > 0)
            {
                Hash32 firstPrevious = _data.Tip.IsEmpty ? Hash32.Zero : Block.FromBytes(_data.Blocks[0].Block).Header.PreviousHash;
                ChainRules.CheckHistory(_data.Tip.IsEmpty ? 0 : _data.FirstHeight, firstPrevious, group.History, _genesisHash);
            }

            ChainTip tip = group.FromSnapshot ? ChainRules.SnapshotStart(_data.Tip, group) : _data.Tip;
            foreach (BlockWrite b in group.Blocks)
            {
                ChainRules.CheckExtends(tip, b.Block, b.Certificate, b.Result, _genesisHash);
                tip = new ChainTip(b.Block.Height, b.Block.Hash, b.Result.StateRoot, b.Block.Header.TimestampMs);
            }

            if (group.History.Count > 0)
            {
                _data.Blocks.InsertRange(0, group.History.Select(h => new MemoryStoreData.BlockRow(h.Block.ToBytes(), h.Certificate.ToBytes(), h.Result.StateRoot, h.Block.Hash)));
                _data.FirstHeight = group.History[0].Block.Height;
                foreach (BlockWrite h in group.History)
                {
                    IndexHistory(h);
                }
            }

            if (group.FromSnapshot)
            {
                _data.FirstHeight = group.Blocks[0].Block.Height;
            }

            foreach (BlockWrite b in group.Blocks)
            {
                Apply(b, belowHistory: group.FromSnapshot && ReferenceEquals(b, group.Blocks[^1]));
            }

            foreach (KvHeight h in group.KvHeights)
            {
                string key = Convert.ToBase64String(h.Key);
                if (_data.Kv.TryGetValue(key, out (byte[] Value, ulong Height) row) && row.Height == 0)
                {
                    _data.Kv[key] = (row.Value, h.Height);
                }
            }

            foreach (ConsensusRecordEntry entry in group.Record)
            {
                _data.Record.Add(new ConsensusRecordEntry(entry.Height, entry.Data.ToArray()));
            }

            if (group.TruncateRecordBelow > 0)
            {
                _data.Record.RemoveAll(e => e.Height < group.TruncateRecordBelow);
            }

            if (group.PruneStateNodesUpTo > 0)
            {
                _data.Tree.PruneStaleUpTo(group.PruneStateNodesUpTo);
            }
        }

        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        _initialized = false;
        return ValueTask.CompletedTask;
    }

    /// <param name="belowHistory">the kv rows go in at height 0 (a snapshot's state, see <see cref="KvHeight"/>).</param>
    private void Apply(BlockWrite b, bool belowHistory)
    {
        Block block = b.Block;
        _data.Blocks.Add(new MemoryStoreData.BlockRow(block.ToBytes(), b.Certificate.ToBytes(), b.Result.StateRoot, block.Hash));
        _data.Tree.Apply(b.Result.Tree, block.Height);
        foreach (StateChange change in b.Result.Changes)
        {
            string key = Convert.ToBase64String(change.Key);
            if (change.Value is null)
            {
                _data.Kv.Remove(key);
            }
            else
            {
                _data.Kv[key] = (change.Value.ToArray(), belowHistory ? 0 : block.Height);
            }
        }

        foreach (TxIndexRow row in TxIndexRow.From(block, b.Result))
        {
            // As the engines' upsert: an applied copy is never replaced by a later duplicate.
            if (!_data.Txs.TryGetValue(row.Hash, out TxLocation? old) || (old.Outcome != TxOutcome.Applied && row.Outcome == TxOutcome.Applied))
            {
                _data.Txs[row.Hash] = new TxLocation(row.Hash, block.Height, block.Hash, row.Index, row.Outcome);
            }
        }

        _data.Tip = new ChainTip(block.Height, block.Hash, b.Result.StateRoot, block.Header.TimestampMs);
    }

    /// <summary>A backfilled block's tx rows, by the engines' history rule (see <c>SqliteSchema.UpsertHistoryTx</c>).</summary>
    private void IndexHistory(BlockWrite b)
    {
        foreach (TxIndexRow row in TxIndexRow.From(b.Block, b.Result))
        {
            bool applied = row.Outcome == TxOutcome.Applied;
            if (!_data.Txs.TryGetValue(row.Hash, out TxLocation? old)
                || (b.Block.Height < old.Height && (applied || old.Outcome != TxOutcome.Applied))
                || (old.Outcome != TxOutcome.Applied && applied))
            {
                _data.Txs[row.Hash] = new TxLocation(row.Hash, b.Block.Height, b.Block.Hash, row.Index, row.Outcome);
            }
        }
    }

    private object Ready() =>
        _initialized ? _data.Lock : throw new InvalidOperationException($"{Description}: call InitializeAsync before using the store");
}

/// <summary>What a <see cref="MemoryNodeStore"/> holds: its "disk". Create one per node and reopen stores over it.</summary>
public sealed class MemoryStoreData(string name)
{
    internal readonly record struct BlockRow(byte[] Block, byte[] Certificate, Hash32 StateRoot, Hash32 Hash);

    public string Name { get; } = name;

    /// <summary>The layout version, as the other engines keep it in their schema table.</summary>
    public int SchemaVersion { get; set; } = Storage.SchemaVersion.Current;

    internal object Lock { get; } = new();

    internal List<BlockRow> Blocks { get; } = [];

    internal Dictionary<string, (byte[] Value, ulong Height)> Kv { get; } = new(StringComparer.Ordinal);

    internal Dictionary<Hash32, TxLocation> Txs { get; } = [];

    internal List<ConsensusRecordEntry> Record { get; } = [];

    /// <summary>The state tree's node table, with the engines' stale-mark pruning rule.</summary>
    internal InMemoryTreeNodeStore Tree { get; } = new();

    internal ChainTip Tip { get; set; } = ChainTip.Empty;

    /// <summary>The height of <see cref="Blocks"/>[0]: 1, or the first block of an installed snapshot.</summary>
    internal ulong FirstHeight { get; set; } = 1;

    /// <summary>
    /// The simulator's check of what this "disk" holds (after any crash): the tree under the tip's state root is complete
    /// and holds exactly the kv rows, and the tree built afresh from those rows has the tip's root. Null when it holds.
    /// </summary>
    public string? CheckStateTree()
    {
        lock (Lock)
        {
            var rows = Kv.Select(e => new KeyValuePair<byte[], byte[]>(Convert.FromBase64String(e.Key), e.Value.Value)).ToList();
            Hash32 rebuilt = StateTree.Build(rows).Root;
            if (rebuilt != Tip.StateRoot)
            {
                return $"the kv rows ({rows.Count}) build state root {rebuilt.ToShortString()}, the tip at height {Tip.Height} has {Tip.StateRoot.ToShortString()}";
            }

            int leaves;
            try
            {
                leaves = StateTree.Leaves(Tree, Tip.StateRoot).Count();
            }
            catch (MissingTreeNodeException ex)
            {
                return $"the state tree under the tip's root (height {Tip.Height}) is incomplete: {ex.Message}";
            }

            return leaves == rows.Count ? null : $"the state tree under the tip's root has {leaves} leaves, the kv table {rows.Count} rows";
        }
    }

    /// <summary>
    /// The simulator's check of kv heights: each row's height is the last block among those held that applies a write
    /// to its key (the tx index says which copy applied), or 0 when none does — only possible on a snapshot-joined disk
    /// whose history is not all backfilled. With block 1 held this is the height a node that executed every block has.
    /// </summary>
    public string? CheckKvHeights()
    {
        lock (Lock)
        {
            var last = new Dictionary<string, ulong>(StringComparer.Ordinal);
            foreach (BlockRow row in Blocks)
            {
                Block block = Block.FromBytes(row.Block);
                for (int i = 0; i < block.Transactions.Count; i++)
                {
                    Transaction tx = block.Transactions[i];
                    if (tx.Op is TxOp.Put or TxOp.Delete && Txs.TryGetValue(tx.Hash, out TxLocation? at)
                        && at.Height == block.Height && at.Index == i && at.Outcome == TxOutcome.Applied)
                    {
                        last[Convert.ToBase64String(tx.Key)] = block.Height;
                    }
                }
            }

            foreach ((string key, (byte[] _, ulong height)) in Kv)
            {
                ulong expected = last.GetValueOrDefault(key);
                if (height != expected)
                {
                    return $"kv row {key} is at height {height}, its last write among blocks {FirstHeight}..{Tip.Height} is at {(expected == 0 ? "none (0)" : expected)}";
                }
            }

            return null;
        }
    }
}
