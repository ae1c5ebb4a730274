using Aegis.Core.Crypto;
using Aegis.Core.Ledger;
using Aegis.Core.State;
using Aegis.Core.State.Commitment;
using Aegis.Storage.Tests.Support;

namespace Aegis.Storage.Tests.Contract;

/// <summary>
/// The behaviour every <see cref="INodeStore"/> engine must show, written once. A concrete class per engine supplies a
/// fresh, private backing store (a temp directory, a PostgreSQL schema) for each test.
/// </summary>
public abstract class NodeStoreContract : IAsyncLifetime
{
    private readonly List<INodeStore> _opened = [];

    internal ChainBuilder Chain { get; } = new();

    protected INodeStore Store { get; private set; } = null!;

    /// <summary>A new, not yet initialized store instance over this test's backing store.</summary>
    protected abstract INodeStore CreateStore(Hash32? genesisHash);

    /// <summary>Overwrites the recorded schema version, as a newer build would have left it.</summary>
    protected abstract Task SetStoredSchemaVersionAsync(int version);

    protected virtual Task PrepareBackingStoreAsync() => Task.CompletedTask;

    protected virtual Task DeleteBackingStoreAsync() => Task.CompletedTask;

    public async Task InitializeAsync()
    {
        await PrepareBackingStoreAsync();
        Store = await OpenAsync();
    }

    public async Task DisposeAsync()
    {
        foreach (INodeStore store in _opened)
        {
            await store.DisposeAsync();
        }

        await DeleteBackingStoreAsync();
    }

    protected async Task<INodeStore> OpenAsync(Hash32? genesisHash = null, bool useChainGenesis = true)
    {
        INodeStore store = CreateStore(useChainGenesis ? Chain.GenesisHash : genesisHash);
        _opened.Add(store);
        await store.InitializeAsync(default);
        return store;
    }

    /// <summary>Disposes <see cref="Store"/> and opens a new instance over the same data, as a restarted node would.</summary>
    protected async Task ReopenAsync()
    {
        await Store.DisposeAsync();
        _opened.Remove(Store);
        Store = await OpenAsync();
    }

    internal async Task CommitAsync(BlockCommit commit) => await Store.CommitBlockAsync(commit.Block, commit.Certificate, commit.Result, default);

    private static byte[] Key(string key) => System.Text.Encoding.UTF8.GetBytes(key);

    /// <summary>
    /// For the engines that hand out snapshots (backup and verify read through them): a snapshot sees one instant —
    /// its tip, blocks, state and tx index — while the node goes on committing, and reads the same after a commit.
    /// </summary>
    protected async Task A_snapshot_reads_one_instant_while_commits_go_on()
    {
        BlockCommit one = Chain.Next(Transaction.Put("a", "1"), Transaction.Put("b", "2"));
        BlockCommit two = Chain.Next(Transaction.Put("a", "3"), Transaction.Delete("b"));
        await CommitAsync(one);
        await CommitAsync(two);
        ChainTip tipThen = await Store.GetTipAsync(default);
        var snapshots = Assert.IsAssignableFrom<Export.IStoreSnapshots>(Store);
        await using Export.IStoreSnapshot snapshot = await snapshots.OpenSnapshotAsync(default);

        await CommitAsync(Chain.Next(Transaction.Put("c", "4"), Transaction.Put("a", "5")));

        Assert.Equal(tipThen, snapshot.Tip);
        Assert.Equal(1L, await snapshot.CountStateAsync(default));
        var blocks = new List<StoredBlock>();
        await foreach (StoredBlock b in snapshot.ReadBlocksAsync(1, 10, default))
        {
            blocks.Add(b);
        }

        Assert.Equal([one.Block.Hash, two.Block.Hash], blocks.Select(b => b.Block.Hash));
        Assert.Equal(two.Certificate.ToBytes(), blocks[1].Certificate.ToBytes());
        var state = new List<KvEntry>();
        await foreach (KvEntry e in snapshot.ReadStateAsync(default))
        {
            state.Add(e);
        }

        KvEntry a = Assert.Single(state);
        Assert.Equal(Key("a"), a.Key);
        Assert.Equal("3"u8.ToArray(), a.Value);
        Assert.Equal(2UL, a.Height);
        var txs = new List<TxLocation>();
        await foreach (TxLocation t in snapshot.ReadTxIndexAsync(default))
        {
            txs.Add(t);
        }

        Assert.Equal(4, txs.Count);
        Assert.Contains(new TxLocation(one.Block.Transactions[0].Hash, 1, one.Block.Hash, 0, TxOutcome.Applied), txs);
        Assert.Equal(3UL, (await Store.GetTipAsync(default)).Height);
    }


    [StoreFact]
    public async Task An_empty_store_has_a_zero_tip_and_nothing_else()
    {
        Assert.Equal(ChainTip.Empty, await Store.GetTipAsync(default));
        Assert.Equal(new ChainTip(0, Hash32.Zero, Hash32.Zero, 0), await Store.GetTipAsync(default));
        Assert.Null(await Store.GetBlockAsync(0, default));
        Assert.Null(await Store.GetBlockAsync(1, default));
        Assert.Empty(await Store.GetBlocksAsync(1, 10, default));
        Assert.Null(await Store.GetAsync(Key("k"), default));
        Assert.Null(await Store.GetTxAsync(Transaction.Put("k", "v").Hash, default));
        Assert.Empty(await Store.FindAppliedTxsAsync([Transaction.Put("k", "v").Hash], default));
        Assert.Empty(await Store.ReadConsensusRecordAsync(default));
        Assert.Equal(0UL, await Store.GetFirstHeightAsync(default));
    }

    [StoreFact]
    public async Task Committed_blocks_and_certificates_read_back_byte_identical()
    {
        var commits = new List<BlockCommit>
        {
            Chain.Next(Transaction.Put("a", "1"), Transaction.Put("b", "2", clientId: "c-1")),
            Chain.Next(),
            Chain.Next(ChainBuilder.Puts(300, "bulk", valueBytes: 200)),
            Chain.Next(Transaction.Delete("a"), Transaction.Put("ключ", "значение")),
            Chain.Next(Transaction.Put("big", new string('x', LedgerLimits.MaxValueBytes))),
        };
        foreach (BlockCommit c in commits)
        {
            await CommitAsync(c);
        }

        foreach (BlockCommit c in commits)
        {
            StoredBlock? stored = await Store.GetBlockAsync(c.Height, default);
            Assert.NotNull(stored);
            Assert.Equal(c.Block.ToBytes(), stored.Block.ToBytes());
            Assert.Equal(c.Certificate.ToBytes(), stored.Certificate.ToBytes());
            Assert.Equal(c.Result.StateRoot, stored.StateRootAfter);
            Assert.Equal(c.Block.Hash, stored.Block.Hash);
        }

        Assert.Equal(new ChainTip(5, commits[4].Block.Hash, commits[4].Result.StateRoot, commits[4].Block.Header.TimestampMs), await Store.GetTipAsync(default));
        Assert.Equal([2UL, 3, 4], (await Store.GetBlocksAsync(2, 3, default)).Select(b => b.Height));
        Assert.Equal([4UL, 5], (await Store.GetBlocksAsync(4, 100, default)).Select(b => b.Height));
        Assert.Equal([1UL], (await Store.GetBlocksAsync(0, 1, default)).Select(b => b.Height));
        Assert.Empty(await Store.GetBlocksAsync(6, 10, default));
        Assert.Null(await Store.GetBlockAsync(6, default));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Store.GetBlocksAsync(1, 0, default));
    }

    [StoreFact]
    public async Task A_group_of_blocks_commits_together_and_a_bad_group_is_refused()
    {
        BlockCommit[] group = [Chain.Next(Transaction.Put("g", "1")), Chain.Next(Transaction.Put("g", "2")), Chain.Next(Transaction.Delete("g"), Transaction.Put("h", "3"))];
        await Store.WriteGroupAsync(new WriteGroup([.. group.Select(c => new BlockWrite(c.Block, c.Certificate, c.Result))], [], 0), default);

        Assert.Equal(3UL, (await Store.GetTipAsync(default)).Height);
        Assert.Null(await Store.GetAsync("g"u8.ToArray(), default));
        Assert.Equal(3UL, (await Store.GetAsync("h"u8.ToArray(), default))!.Height);
        Assert.Equal(group.Select(c => c.Block.Hash), (await Store.GetBlocksAsync(1, 10, default)).Select(b => b.Block.Hash));

        // A group whose second block does not follow its first is refused whole: not even its good first block is stored.
        BlockCommit next = Chain.Next(Transaction.Put("i", "4"));
        await Assert.ThrowsAsync<BlockRejectedException>(() => Store.WriteGroupAsync(new WriteGroup([new BlockWrite(next.Block, next.Certificate, next.Result), new BlockWrite(next.Block, next.Certificate, next.Result)], [], 0), default));
        Assert.Equal(3UL, (await Store.GetTipAsync(default)).Height);
        Assert.Null(await Store.GetAsync("i"u8.ToArray(), default));
    }

    [StoreFact]
    public async Task A_write_group_applies_blocks_then_record_then_truncation_and_a_refused_group_adds_no_record()
    {
        await Store.AppendConsensusRecordAsync([new ConsensusRecordEntry(1, [1])], default);
        BlockCommit first = Chain.Next(Transaction.Put("w", "1"));
        var firstWrite = new BlockWrite(first.Block, first.Certificate, first.Result);

        // Truncation comes last, so it also removes an entry appended by the same group below its height.
        await Store.WriteGroupAsync(new WriteGroup([firstWrite], [new ConsensusRecordEntry(2, [2]), new ConsensusRecordEntry(5, [5])], TruncateRecordBelow: 3), default);
        Assert.Equal(1UL, (await Store.GetTipAsync(default)).Height);
        Assert.Equal(1UL, (await Store.GetAsync("w"u8.ToArray(), default))!.Height);
        Assert.Equal([5UL], (await Store.ReadConsensusRecordAsync(default)).Select(e => e.Height));

        // A block that does not extend the tip: the group's record entries must not be written (nothing of it was sent).
        await Assert.ThrowsAsync<BlockRejectedException>(() => Store.WriteGroupAsync(new WriteGroup([firstWrite], [new ConsensusRecordEntry(6, [6])], 0), default));
        Assert.Equal([5UL], (await Store.ReadConsensusRecordAsync(default)).Select(e => e.Height));
        Assert.Equal(1UL, (await Store.GetTipAsync(default)).Height);
    }

    [StoreFact]
    public async Task Key_values_follow_puts_and_deletes_with_the_height_that_wrote_them()
    {
        await CommitAsync(Chain.Next(Transaction.Put("a", "1"), Transaction.Put("b", "2"), Transaction.Put("c", "3")));
        await CommitAsync(Chain.Next(Transaction.Put("a", "4"), Transaction.Delete("b")));
        await CommitAsync(Chain.Next(Transaction.Put("b", "5"), Transaction.Delete("nothing"), Transaction.Put("d", "6"), Transaction.Delete("d")));
        await CommitAsync(Chain.Next(Transaction.Delete("c"), Transaction.Put("c", "7")));

        Assert.Equal("4"u8.ToArray(), (await Store.GetAsync(Key("a"), default))!.Value);
        Assert.Equal(2UL, (await Store.GetAsync(Key("a"), default))!.Height);
        Assert.Equal(3UL, (await Store.GetAsync(Key("b"), default))!.Height);
        Assert.Null(await Store.GetAsync(Key("d"), default));
        Assert.Null(await Store.GetAsync(Key("nothing"), default));
        Assert.Equal(4UL, (await Store.GetAsync(Key("c"), default))!.Height);
        foreach (string key in new[] { "a", "b", "c", "d", "nothing" })
        {
            await KvAssert.MatchesAsync(Store, key, Chain.Model.GetValueOrDefault(key));
        }
    }

    [StoreFact]
    public async Task The_tx_index_locates_every_transaction_where_it_was_applied()
    {
        Transaction first = Transaction.Put("k", "v");
        Transaction[] bulk = ChainBuilder.Puts(50, "t");
        BlockCommit one = Chain.Next(first, Transaction.Delete("k2"));
        BlockCommit two = Chain.Next(bulk);
        BlockCommit three = Chain.Next(Transaction.Put("other", "x"), first); // the same hash again: a duplicate
        await CommitAsync(one);
        await CommitAsync(two);
        await CommitAsync(three);

        Assert.Equal(TxOutcome.Duplicate, three.Result.Outcomes[1]);
        Assert.Equal(new TxLocation(first.Hash, 1, one.Block.Hash, 0, TxOutcome.Applied), await Store.GetTxAsync(first.Hash, default));
        for (int i = 0; i < bulk.Length; i++)
        {
            Assert.Equal(new TxLocation(bulk[i].Hash, 2, two.Block.Hash, i, TxOutcome.Applied), await Store.GetTxAsync(bulk[i].Hash, default));
        }

        Assert.Equal(new TxLocation(three.Block.Transactions[0].Hash, 3, three.Block.Hash, 0, TxOutcome.Applied), await Store.GetTxAsync(three.Block.Transactions[0].Hash, default));
        Assert.Null(await Store.GetTxAsync(Transaction.Put("never", "seen").Hash, default));
    }

    [StoreFact]
    public async Task FindAppliedTxs_returns_exactly_the_indexed_hashes_in_one_batched_call()
    {
        Transaction[] committed = ChainBuilder.Puts(1200, "applied");
        await CommitAsync(Chain.Next(committed[..700]));
        await CommitAsync(Chain.Next(committed[700..]));
        Transaction[] unknown = ChainBuilder.Puts(600, "unknown");

        Hash32[] query = [.. committed.Where((_, i) => i % 2 == 0).Select(t => t.Hash), .. unknown.Select(t => t.Hash)];
        IReadOnlySet<Hash32> found = await Store.FindAppliedTxsAsync(query, default);

        Assert.Equal(600, found.Count);
        Assert.True(found.SetEquals(committed.Where((_, i) => i % 2 == 0).Select(t => t.Hash)));
        Assert.Empty(await Store.FindAppliedTxsAsync([], default));

        // What a node does before executing the next block: a resubmitted transaction becomes a duplicate.
        BlockCommit next = Chain.Build(3, Chain.TipHash, committed[5], unknown[0]);
        IStateView view = await Store.LoadStateViewAsync(next.Block, default);
        ExecutionResult result = BlockExecutor.Execute(next.Block, Chain.StateRoot, view, Store.StateNodes);
        Assert.Equal([TxOutcome.Duplicate, TxOutcome.Applied], result.Outcomes);
        Assert.Equal(next.Result.StateRoot, result.StateRoot);
    }

    [StoreFact]
    public async Task A_block_at_the_wrong_height_is_rejected_and_nothing_is_written()
    {
        await CommitAsync(Chain.Next(Transaction.Put("a", "1")));
        await CommitAsync(Chain.Next(Transaction.Put("b", "2")));
        ChainTip before = await Store.GetTipAsync(default);

        BlockCommit gap = Chain.Build(4, Chain.TipHash, Transaction.Put("a", "gap"), Transaction.Put("gap", "x"));
        BlockRejectedException ex = await Assert.ThrowsAsync<BlockRejectedException>(() => CommitAsync(gap));
        Assert.Contains("block 4", ex.Message);
        Assert.Contains("expected height 3", ex.Message);

        BlockCommit replay = Chain.Build(2, Chain.TipHash, Transaction.Put("replay", "x"));
        Assert.Contains("expected height 3", (await Assert.ThrowsAsync<BlockRejectedException>(() => CommitAsync(replay))).Message);

        await AssertUnchangedAsync(before, gap, replay);
    }

    [StoreFact]
    public async Task A_block_that_does_not_extend_the_tip_is_rejected_and_nothing_is_written()
    {
        await CommitAsync(Chain.Next(Transaction.Put("a", "1")));
        await CommitAsync(Chain.Next(Transaction.Put("b", "2")));
        ChainTip before = await Store.GetTipAsync(default);

        BlockCommit fork = Chain.Build(3, Hash32.Compute("not the tip"u8), Transaction.Put("a", "fork"), Transaction.Put("fork", "x"));
        BlockRejectedException ex = await Assert.ThrowsAsync<BlockRejectedException>(() => CommitAsync(fork));
        Assert.Contains("previous hash", ex.Message);
        Assert.Contains(before.BlockHash.ToShortString(), ex.Message);

        BlockCommit good = Chain.Build(3, Chain.TipHash, Transaction.Put("c", "3"));
        BlockCommit otherBlock = Chain.Build(3, Chain.TipHash, Transaction.Put("c", "4"));
        await Assert.ThrowsAsync<BlockRejectedException>(() => Store.CommitBlockAsync(good.Block, otherBlock.Certificate, good.Result, default));
        await Assert.ThrowsAsync<BlockRejectedException>(() => Store.CommitBlockAsync(good.Block, good.Certificate, good.Result with { Height = 4 }, default));
        await Assert.ThrowsAsync<BlockRejectedException>(() => Store.CommitBlockAsync(good.Block, good.Certificate, good.Result with { Outcomes = [] }, default));

        await AssertUnchangedAsync(before, fork, good);

        // The store is still usable: the right block goes in.
        await CommitAsync(Chain.Next(Transaction.Put("c", "3")));
        Assert.Equal(3UL, (await Store.GetTipAsync(default)).Height);
    }

    [StoreFact]
    public async Task A_second_writer_with_a_stale_view_cannot_fork_the_chain()
    {
        INodeStore other = await OpenAsync();
        BlockCommit one = Chain.Next(Transaction.Put("a", "1"));
        await other.CommitBlockAsync(one.Block, one.Certificate, one.Result, default);
        BlockCommit fork = Chain.Build(2, Chain.TipHash, Transaction.Put("a", "fork"));
        await CommitAsync(Chain.Next(Transaction.Put("b", "2")));
        ChainTip before = await Store.GetTipAsync(default);

        // The other writer last saw height 1; its block 2 must not replace or follow the block 2 already stored.
        Assert.StartsWith("block 2 rejected", (await Assert.ThrowsAsync<BlockRejectedException>(() => other.CommitBlockAsync(fork.Block, fork.Certificate, fork.Result, default))).Message);
        await AssertUnchangedAsync(before, fork);

        // Once it learns the real tip, it extends it.
        BlockCommit three = Chain.Next(Transaction.Put("c", "3"));
        await other.CommitBlockAsync(three.Block, three.Certificate, three.Result, default);
        await ChainReplay.VerifyAsync(Store, Chain.Model.Keys);
    }

    [StoreFact]
    public async Task Block_one_must_name_the_genesis_hash_when_the_store_knows_it()
    {
        BlockCommit wrong = Chain.Build(1, Hash32.Compute("another chain"u8), Transaction.Put("a", "1"));
        Assert.Contains("genesis hash", (await Assert.ThrowsAsync<BlockRejectedException>(() => CommitAsync(wrong))).Message);
        await AssertUnchangedAsync(ChainTip.Empty, wrong);

        // A store opened without a genesis hash leaves that check to consensus.
        await Store.DisposeAsync();
        _opened.Remove(Store);
        Store = await OpenAsync(genesisHash: null, useChainGenesis: false);
        await CommitAsync(wrong);
        Assert.Equal(wrong.Block.Hash, (await Store.GetTipAsync(default)).BlockHash);
    }

    [StoreFact]
    public async Task The_consensus_record_keeps_append_order_and_truncates_below_a_height()
    {
        await Store.AppendConsensusRecordAsync([new(5, [1]), new(3, [2, 2])], default);
        await Store.AppendConsensusRecordAsync([new(7, [3])], default);
        await Store.AppendConsensusRecordAsync([], default);
        Assert.Equal([(5UL, "01"), (3UL, "0202"), (7UL, "03")], await RecordAsync());

        await Store.TruncateConsensusRecordAsync(5, default);
        Assert.Equal([(5UL, "01"), (7UL, "03")], await RecordAsync());

        // Append order, not height order: a lower height appended later still reads back last.
        await Store.AppendConsensusRecordAsync([new(1, new byte[100_000]), new(6, [])], default);
        Assert.Equal([5UL, 7, 1, 6], (await Store.ReadConsensusRecordAsync(default)).Select(e => e.Height));
        Assert.Equal(100_000, (await Store.ReadConsensusRecordAsync(default))[2].Data.Length);

        await Store.TruncateConsensusRecordAsync(100, default);
        Assert.Empty(await Store.ReadConsensusRecordAsync(default));
        await Store.AppendConsensusRecordAsync([new(100, [9])], default);
        Assert.Equal([(100UL, "09")], await RecordAsync());
    }

    [StoreFact]
    public async Task A_snapshot_installs_into_an_empty_store_in_one_group_and_the_chain_extends_from_it()
    {
        var commits = new List<BlockCommit>();
        for (int i = 0; i < 5; i++)
        {
            commits.Add(Chain.Next([.. ChainBuilder.Puts(4, $"s{i}"), Transaction.Delete($"s{Math.Max(0, i - 1)}-0")]));
        }

        // The state after block 5, installed with blocks 4 and 5 (the window below the snapshot's height).
        var state = Chain.Model.Values.Select(e => new KeyValuePair<byte[], byte[]>(e.Key, e.Value)).ToList();
        StoredBlock[] window = [.. commits.Skip(3).Select(c => new StoredBlock(c.Block, c.Certificate, c.Result.StateRoot))];
        WriteGroup install = SnapshotInstall.Group(window, state);
        Assert.StartsWith("installing a snapshot with blocks 4..5", install.Describe());
        await Store.WriteGroupAsync(install, default);

        Assert.Equal(new ChainTip(5, commits[4].Block.Hash, commits[4].Result.StateRoot, commits[4].Block.Header.TimestampMs), await Store.GetTipAsync(default));
        Assert.Equal(4UL, await Store.GetFirstHeightAsync(default));
        Assert.Null(await Store.GetBlockAsync(3, default));
        Assert.Equal([4UL, 5UL], (await Store.GetBlocksAsync(1, 10, default)).Select(b => b.Height));
        Assert.Equal(commits[3].Block.ToBytes(), (await Store.GetBlockAsync(4, default))!.Block.ToBytes());
        Assert.Equal(commits[4].Result.StateRoot, (await Store.GetBlockAsync(5, default))!.StateRootAfter);
        Assert.Equal(5UL, (await Store.GetTxAsync(commits[4].Block.Transactions[0].Hash, default))!.Height);
        Assert.Null(await Store.GetTxAsync(commits[0].Block.Transactions[0].Hash, default));
        foreach (string key in Chain.Model.Keys)
        {
            Assert.Equal(Chain.Model[key].Value, (await Store.GetAsync(Key(key), default))!.Value);
        }

        Assert.Null(await Store.GetAsync(Key("s3-0"), default));

        // A key's height is its last write in the window, or 0 when that lies below it (written below the store's history).
        Assert.Equal(5UL, (await Store.GetAsync(Key("s4-1"), default))!.Height);
        Assert.Equal(4UL, (await Store.GetAsync(Key("s3-1"), default))!.Height);
        Assert.Equal(0UL, (await Store.GetAsync(Key("s0-1"), default))!.Height);
        Assert.Equal(0UL, (await Store.GetAsync(Key("s2-1"), default))!.Height);
        Assert.Equal(commits[4].Result.StateRoot, StateTree.Build(state).Root);
        Assert.Equal(Chain.Model["s4-1"].Value, StateTree.Get(Store.StateNodes, commits[4].Result.StateRoot, Key("s4-1")));

        // Not a state that builds the root the snapshot's block is followed by: refused before anything is written.
        Assert.Throws<ArgumentException>(() => SnapshotInstall.Group(window, state.Skip(1).ToList()));

        // A second install is refused (the store is no longer empty), and nothing changes.
        var again = await Assert.ThrowsAsync<BlockRejectedException>(() => Store.WriteGroupAsync(install, default));
        Assert.Contains("already holds blocks up to 5", again.Message);

        await ReopenAsync();
        await CommitAsync(Chain.Next(Transaction.Put("after", "snapshot")));
        Assert.Equal(6UL, (await Store.GetTipAsync(default)).Height);
        Assert.Equal(4UL, await Store.GetFirstHeightAsync(default));
        Assert.Equal("snapshot", System.Text.Encoding.UTF8.GetString((await Store.GetAsync(Key("after"), default))!.Value));
    }

    [StoreFact]
    public async Task History_below_a_snapshot_is_backfilled_newest_first_with_its_tx_index_and_a_chunk_that_does_not_link_is_refused()
    {
        var commits = new List<BlockCommit>();
        for (int i = 0; i < 6; i++)
        {
            // "hot" is last written by block 3, below the snapshot's window (5..6): its height is learnt by backfill.
            commits.Add(Chain.Next([.. ChainBuilder.Puts(3, $"h{i}"), .. i < 3 ? [Transaction.Put("hot", $"v{i}")] : Array.Empty<Transaction>()]));
        }

        StoredBlock Stored(BlockCommit c) => new(c.Block, c.Certificate, c.Result.StateRoot);
        async Task<ulong[]> HeightsAsync()
        {
            var heights = new List<ulong>();
            foreach (string key in new[] { "h0-0", "h1-2", "h2-1", "h3-0", "h4-2", "h5-1", "hot" })
            {
                heights.Add((await Store.GetAsync(Key(key), default))!.Height);
            }

            return [.. heights];
        }

        var state = Chain.Model.Values.Select(e => new KeyValuePair<byte[], byte[]>(e.Key, e.Value)).ToList();
        await Store.WriteGroupAsync(SnapshotInstall.Group([.. commits.Skip(4).Select(Stored)], state), default);
        Assert.Equal(5UL, await Store.GetFirstHeightAsync(default));
        Assert.Equal([0UL, 0, 0, 0, 5, 6, 0], await HeightsAsync());

        // A chunk that does not end just below the first block, or whose last block is not the one block 5 follows: refused, nothing written.
        var gap = await Assert.ThrowsAsync<BlockRejectedException>(() => Store.WriteGroupAsync(HistoryInstall.Group([Stored(commits[2])]), default));
        Assert.Contains("not the block below the store's first, block 5", gap.Message);
        var other = new ChainBuilder();
        BlockCommit foreign = other.Next(Transaction.Put("x0", "y"));
        for (int i = 1; i < 4; i++)
        {
            foreign = other.Next(Transaction.Put($"x{i}", "y"));
        }

        var wrong = await Assert.ThrowsAsync<BlockRejectedException>(() => Store.WriteGroupAsync(HistoryInstall.Group([Stored(foreign)]), default));
        Assert.Contains("(4, ", wrong.Message);
        var unlinked = await Assert.ThrowsAsync<BlockRejectedException>(() => Store.WriteGroupAsync(HistoryInstall.Group([Stored(commits[1]), Stored(commits[3])]), default));
        Assert.Contains("does not follow history block 2", unlinked.Message);
        Assert.Equal(5UL, await Store.GetFirstHeightAsync(default));

        // Newest first: 3..4, then 1..2; the tip, the state and the tree stay the snapshot's.
        WriteGroup upper = HistoryInstall.Group([.. commits.Skip(2).Take(2).Select(Stored)]);
        Assert.StartsWith("backfilling history blocks 3..4", upper.Describe());
        await Store.WriteGroupAsync(upper, default);
        Assert.Equal(3UL, await Store.GetFirstHeightAsync(default));
        Assert.Equal([0UL, 0, 3, 4, 5, 6, 3], await HeightsAsync());
        await ReopenAsync();
        await Store.WriteGroupAsync(HistoryInstall.Group([.. commits.Take(2).Select(Stored)]), default);
        Assert.Equal(1UL, await Store.GetFirstHeightAsync(default));

        // As a node that executed every block: each key at its last write ("hot" keeps 3; the writes at 1 and 2 are older).
        Assert.Equal([1UL, 2, 3, 4, 5, 6, 3], await HeightsAsync());
        Assert.Equal(6UL, (await Store.GetTipAsync(default)).Height);
        Assert.Equal(commits.Select(c => (c.Block.Hash, c.Result.StateRoot)), (await Store.GetBlocksAsync(1, 10, default)).Select(b => (b.Block.Hash, b.StateRootAfter)));
        foreach (BlockCommit c in commits)
        {
            TxLocation at = (await Store.GetTxAsync(c.Block.Transactions[1].Hash, default))!;
            Assert.Equal((c.Block.Height, c.Block.Hash, 1, TxOutcome.Applied), (at.Height, at.BlockHash, at.Index, at.Outcome));
        }

        Assert.Equal(commits.Count, (await Store.FindAppliedTxsAsync([.. commits.Select(c => c.Block.Transactions[0].Hash)], default)).Count);
        Assert.Equal(Chain.Model["h5-2"].Value, (await Store.GetAsync(Key("h5-2"), default))!.Value);

        // Nothing lies below block 1.
        await Assert.ThrowsAsync<BlockRejectedException>(() => Store.WriteGroupAsync(HistoryInstall.Group([Stored(commits[0])]), default));
        await CommitAsync(Chain.Next(Transaction.Put("after", "history")));
        Assert.Equal(7UL, (await Store.GetTipAsync(default)).Height);
    }

    [StoreFact]
    public async Task A_snapshot_into_a_store_that_holds_blocks_is_refused_and_nothing_is_written()
    {
        BlockCommit one = Chain.Next(Transaction.Put("a", "1"));
        await CommitAsync(one);
        BlockCommit two = Chain.Next(Transaction.Put("b", "2"));
        WriteGroup install = SnapshotInstall.Group([new StoredBlock(two.Block, two.Certificate, two.Result.StateRoot)], [new(Key("a"), Key("1")), new(Key("b"), Key("2"))]);
        await Assert.ThrowsAsync<BlockRejectedException>(() => Store.WriteGroupAsync(install, default));
        Assert.Equal(1UL, (await Store.GetTipAsync(default)).Height);
        Assert.Null(await Store.GetAsync(Key("b"), default));
        Assert.Equal(1UL, await Store.GetFirstHeightAsync(default));
    }

    [StoreFact]
    public async Task A_reopened_store_has_everything_and_keeps_extending_the_chain()
    {
        BlockCommit one = Chain.Next(ChainBuilder.Puts(20, "r"));
        BlockCommit two = Chain.Next(Transaction.Delete("r-3"), Transaction.Put("r-4", "changed"));
        await CommitAsync(one);
        await CommitAsync(two);
        await Store.AppendConsensusRecordAsync([new(2, [4, 2])], default);
        ChainTip before = await Store.GetTipAsync(default);

        await ReopenAsync();
        await Store.InitializeAsync(default); // idempotent

        Assert.Equal(before, await Store.GetTipAsync(default));
        Assert.Equal(two.Block.ToBytes(), (await Store.GetBlockAsync(2, default))!.Block.ToBytes());
        Assert.Equal(one.Certificate.ToBytes(), (await Store.GetBlockAsync(1, default))!.Certificate.ToBytes());
        Assert.Equal(2UL, (await Store.GetTxAsync(two.Block.Transactions[1].Hash, default))!.Height);
        Assert.Equal([(2UL, "0402")], await RecordAsync());
        foreach (string key in Enumerable.Range(0, 20).Select(i => $"r-{i}"))
        {
            await KvAssert.MatchesAsync(Store, key, Chain.Model.GetValueOrDefault(key));
        }

        await CommitAsync(Chain.Next(Transaction.Put("after", "restart")));
        await Assert.ThrowsAsync<BlockRejectedException>(() => CommitAsync(Chain.Build(3, Chain.TipHash)));
        await ChainReplay.VerifyAsync(Store, Chain.Model.Keys);
    }

    [StoreFact]
    public async Task A_database_with_a_newer_schema_version_is_refused_with_a_clear_message()
    {
        string message = await RefusedAtSchemaVersionAsync(SchemaVersion.Current + 1);
        Assert.Contains($"schema version {SchemaVersion.Current + 1}", message);
        Assert.Contains($"up to {SchemaVersion.Current}", message);
    }

    [StoreFact]
    public async Task A_database_from_before_the_state_tree_is_refused_naming_resync_or_restore()
    {
        await AssertRefusedNamingResyncOrRestoreAsync(1, "before the state tree");
    }

    [StoreFact]
    public async Task A_database_whose_tree_is_keyed_by_hash_is_refused_naming_resync_or_restore()
    {
        await AssertRefusedNamingResyncOrRestoreAsync(2, "keyed by hash");
    }

    [StoreFact]
    public async Task A_database_with_a_stale_log_row_per_node_is_refused_naming_resync_or_restore()
    {
        await AssertRefusedNamingResyncOrRestoreAsync(3, "one row per node");
    }

    private async Task AssertRefusedNamingResyncOrRestoreAsync(int version, string why)
    {
        string message = await RefusedAtSchemaVersionAsync(version);
        Assert.Contains($"schema version {version}", message);
        Assert.Contains(why, message);
        Assert.Contains("resync", message);
        Assert.Contains("restore a backup", message);
    }

    /// <summary>A store with one block, reopened with <paramref name="version"/> recorded: the refusal's message; refusing changed nothing.</summary>
    private async Task<string> RefusedAtSchemaVersionAsync(int version)
    {
        await CommitAsync(Chain.Next(Transaction.Put("a", "1")));
        await Store.DisposeAsync();
        _opened.Remove(Store);
        await SetStoredSchemaVersionAsync(version);

        INodeStore other = CreateStore(Chain.GenesisHash);
        _opened.Add(other);
        StorageException ex = await Assert.ThrowsAsync<StorageException>(() => other.InitializeAsync(default));
        Assert.Contains(other.Description, ex.Message);

        // With the version put back, the data is all there.
        await SetStoredSchemaVersionAsync(SchemaVersion.Current);
        Store = await OpenAsync();
        Assert.Equal(1UL, (await Store.GetTipAsync(default)).Height);
        return ex.Message;
    }

    [StoreFact]
    public async Task The_state_tree_under_each_stored_root_is_complete_and_pruning_keeps_the_newest()
    {
        // Block 1 puts a..j; blocks 2-4 rewrite half and delete some: stale nodes pile up behind the roots.
        await CommitAsync(Chain.Next([.. Enumerable.Range(0, 10).Select(i => Transaction.Put($"k{i}", "v1"))]));
        Hash32 rootOne = (await Store.GetTipAsync(default)).StateRoot;
        await CommitAsync(Chain.Next([.. Enumerable.Range(0, 5).Select(i => Transaction.Put($"k{i}", "v2")), Transaction.Delete("k9")]));
        await CommitAsync(Chain.Next([.. Enumerable.Range(0, 5).Select(i => Transaction.Put($"k{i}", "v3"))]));
        Hash32 rootThree = (await Store.GetTipAsync(default)).StateRoot;
        Assert.Equal("v1"u8.ToArray(), StateTree.Get(Store.StateNodes, rootOne, "k0"u8));
        Assert.Equal("v3"u8.ToArray(), StateTree.Get(Store.StateNodes, rootThree, "k0"u8));
        Assert.Null(StateTree.Get(Store.StateNodes, rootThree, "k9"u8));

        // Pruning up to version 2 drops what blocks 1-2 made stale; block 3's tree is whole. Reopened so no cache answers.
        await Store.WriteGroupAsync(new WriteGroup([], [], 0) { PruneStateNodesUpTo = 2 }, default);
        await Store.DisposeAsync();
        _opened.Remove(Store);
        Store = await OpenAsync();
        Assert.Equal(
            [.. Enumerable.Range(0, 9).Select(i => $"k{i}")],
            StateTree.Leaves(Store.StateNodes, rootThree).Select(l => System.Text.Encoding.UTF8.GetString(l.Key)).Order(StringComparer.Ordinal));
        Assert.Throws<MissingTreeNodeException>(() => StateTree.Get(Store.StateNodes, rootOne, "k0"u8));
    }

    [StoreFact]
    public async Task A_state_set_back_to_an_earlier_root_survives_pruning_of_the_earlier_rows()
    {
        // Block 1's root comes back at block 3 (new rows at version 3); block 4 changes nothing in the state. Pruning up
        // to 3 deletes block 1's copies of those nodes (stale since 2) and must leave the state of blocks 3-4 whole.
        await CommitAsync(Chain.Next(Transaction.Put("a", "1"), Transaction.Put("b", "1"), Transaction.Put("c", "1")));
        Hash32 rootOne = (await Store.GetTipAsync(default)).StateRoot;
        await CommitAsync(Chain.Next(Transaction.Put("a", "2"), Transaction.Delete("c")));
        // Another client id: the same put again would be a duplicate transaction, not applied.
        await CommitAsync(Chain.Next(Transaction.Put("a", "1", "again"), Transaction.Put("c", "1", "again")));
        Assert.Equal(rootOne, (await Store.GetTipAsync(default)).StateRoot);
        await CommitAsync(Chain.Next());
        await Store.WriteGroupAsync(new WriteGroup([], [], 0) { PruneStateNodesUpTo = 3 }, default);
        await Store.DisposeAsync();
        _opened.Remove(Store);
        Store = await OpenAsync();
        Assert.Equal(["a", "b", "c"], StateTree.Leaves(Store.StateNodes, rootOne).Select(l => System.Text.Encoding.UTF8.GetString(l.Key)).Order(StringComparer.Ordinal));
        Assert.Equal("1"u8.ToArray(), StateTree.Get(Store.StateNodes, rootOne, "a"u8));

        // The next block's update runs on the stored tree, as the node executes it.
        TreeUpdate next = StateTree.Update(Store.StateNodes, rootOne, [new StateChange("d"u8.ToArray(), "1"u8.ToArray())], 5);
        Assert.Equal(StateTree.Build([.. new[] { "a", "b", "c", "d" }.Select(k => new KeyValuePair<byte[], byte[]>(System.Text.Encoding.UTF8.GetBytes(k), "1"u8.ToArray()))]).Root, next.Root);
    }

    [StoreFact]
    public async Task Using_a_store_before_InitializeAsync_is_a_clear_error()
    {
        INodeStore fresh = CreateStore(null);
        _opened.Add(fresh);
        Assert.Contains("InitializeAsync", (await Assert.ThrowsAsync<InvalidOperationException>(() => fresh.GetTipAsync(default))).Message);
    }

    [StoreFact]
    public async Task Reads_run_alongside_commits()
    {
        Task writer = Task.Run(async () =>
        {
            for (int i = 0; i < 30; i++)
            {
                await CommitAsync(Chain.Next(ChainBuilder.Puts(20, $"w{i}")));
            }
        });

        ulong last = 0;
        while (!writer.IsCompleted)
        {
            ChainTip tip = await Store.GetTipAsync(default);
            Assert.True(tip.Height >= last);
            last = tip.Height;
            if (tip.Height > 0)
            {
                Assert.NotNull(await Store.GetBlockAsync(tip.Height, default));
            }
        }

        await writer;
        await ChainReplay.VerifyAsync(Store, Chain.Model.Keys);
    }

    private async Task<List<(ulong, string)>> RecordAsync() =>
        [.. (await Store.ReadConsensusRecordAsync(default)).Select(e => (e.Height, Convert.ToHexString(e.Data)))];

    /// <summary>The tip, blocks, key-values and tx index are exactly as before the rejected <paramref name="rejected"/>.</summary>
    private async Task AssertUnchangedAsync(ChainTip before, params BlockCommit[] rejected)
    {
        Assert.Equal(before, await Store.GetTipAsync(default));
        Assert.Null(await Store.GetBlockAsync(before.Height + 1, default));
        Assert.Equal((int)before.Height, (await Store.GetBlocksAsync(1, 1000, default)).Count);
        foreach (BlockCommit commit in rejected)
        {
            foreach (Transaction tx in commit.Block.Transactions)
            {
                Assert.Null(await Store.GetTxAsync(tx.Hash, default));
                await KvAssert.MatchesAsync(Store, tx.KeyString, Chain.Model.GetValueOrDefault(tx.KeyString));
            }
        }
    }
}
