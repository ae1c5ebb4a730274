using Aegis.Core.Consensus;
using Aegis.Core.Crypto;
using Aegis.Core.Ledger;
using Aegis.Core.State;
using Aegis.Core.State.Commitment;
using Aegis.Node.Operations;
using Aegis.Storage;
using Aegis.Storage.Sqlite;
using Microsoft.Data.Sqlite;

namespace Aegis.Node.Tests.Operations;

/// <summary>
/// The start-time check over a real SQLite store: a certified chain passes; a block row whose bytes were altered (a
/// transaction, the header, the certificate) or a tip row that was rewritten is named by height, and a read of the
/// altered row never hands the block out.
/// </summary>
public sealed class RecentHistoryCheckTests : IAsyncLifetime, IDisposable
{
    private const string ChainId = "recent-history-test";
    private const int Blocks = 8;

    private readonly EcdsaP256Signer _signer = EcdsaP256Signer.Generate();
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "aegis-recent-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly Genesis _genesis;
    private readonly List<StoredBlock> _chain = [];
    private readonly InMemoryTreeNodeStore _tree = new();
    private INodeStore _store = null!;

    public RecentHistoryCheckTests()
    {
        var validators = new ValidatorSet([new Validator(0, "node-0", _signer.PublicKey, "127.0.0.1:1")]);
        _genesis = new Genesis(ChainId, 1_700_000_000_000, validators, new ConsensusParameters { PipelineDepth = 2 });
    }

    public async Task InitializeAsync()
    {
        _store = new SqliteNodeStore(_dir, _genesis.Hash);
        await _store.InitializeAsync(CancellationToken.None);
        var replay = new ChainReplay(_genesis);
        var roots = new List<Hash32> { BlockExecutor.GenesisStateRoot };
        for (ulong h = 1; h <= Blocks; h++)
        {
            Hash32 headerRoot = roots[(int)(h > 2 ? h - 2 : 0)];
            StoredBlock next = Build(h, replay.TipHash, headerRoot, Transaction.Put($"k{h}", $"v{h}"), Transaction.Put("shared", $"s{h}"));
            ExecutionResult executed = BlockExecutor.Execute(next.Block, replay.StateRoot, new NoneApplied(), _tree);
            _tree.Apply(executed.Tree, h);
            next = next with { StateRootAfter = executed.StateRoot };
            (ExecutionResult? result, string? problem) = replay.Append(next, replay.VerifyCertificates([next])[0]);
            Assert.Null(problem);
            await _store.CommitBlockAsync(next.Block, next.Certificate, result!, CancellationToken.None);
            roots.Add(result!.StateRoot);
            _chain.Add(next);
        }
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    public void Dispose() => _signer.Dispose();

    [Fact]
    public async Task A_certified_chain_passes_whole_or_in_a_window_anchored_below_it()
    {
        RecentHistoryReport whole = await RecentHistoryCheck.RunAsync(_store, _genesis, 1000, CancellationToken.None);
        Assert.Equal((1UL, (ulong)Blocks), (whole.FromHeight, whole.ToHeight));

        RecentHistoryReport window = await RecentHistoryCheck.RunAsync(_store, _genesis, 3, CancellationToken.None);
        Assert.Equal((6UL, (ulong)Blocks, 3UL), (window.FromHeight, window.ToHeight, window.Blocks));
    }

    [Fact]
    public async Task A_transaction_altered_under_the_original_header_is_named_and_never_read_out()
    {
        Block original = _chain[4].Block;
        Transaction[] txs = [Transaction.Put("k5", "forged"), original.Transactions[1]];
        await SetAsync("block", 5, new Block(original.Header, txs).ToBytes());

        ChainCorruptException e = await Assert.ThrowsAsync<ChainCorruptException>(() => RecentHistoryCheck.RunAsync(_store, _genesis, 1000, CancellationToken.None));
        Assert.Equal(5UL, e.Height);
        Assert.Contains("header.tx_root does not match the transactions", e.Message, StringComparison.Ordinal);

        StoreCorruptException read = await Assert.ThrowsAsync<StoreCorruptException>(() => _store.GetBlockAsync(5, CancellationToken.None));
        Assert.Equal(5UL, read.Height);
        Assert.Single(await _store.GetBlocksAsync(4, 1, CancellationToken.None));
    }

    [Fact]
    public async Task A_rewritten_header_no_longer_hashes_to_its_stored_hash()
    {
        Block original = _chain[6].Block;
        BlockHeader header = original.Header with { TimestampMs = original.Header.TimestampMs + 1 };
        await SetAsync("block", 7, new Block(header, original.Transactions).ToBytes());

        ChainCorruptException e = await Assert.ThrowsAsync<ChainCorruptException>(() => RecentHistoryCheck.RunAsync(_store, _genesis, 3, CancellationToken.None));
        Assert.Equal(7UL, e.Height);
        Assert.Contains($"but was stored as {original.Hash.ToString()[..8]}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Another_blocks_certificate_and_a_rewritten_tip_row_are_named()
    {
        await SetAsync("certificate", 3, _chain[3].Certificate.ToBytes());
        ChainCorruptException cert = await Assert.ThrowsAsync<ChainCorruptException>(() => RecentHistoryCheck.RunAsync(_store, _genesis, 1000, CancellationToken.None));
        Assert.Equal(3UL, cert.Height);
        Assert.Contains("has a certificate for block", cert.Message, StringComparison.Ordinal);

        // Below the window the damage is not looked at; the tip row is.
        await ExecuteAsync("UPDATE tip SET state_root = zeroblob(32)");
        ChainCorruptException tip = await Assert.ThrowsAsync<ChainCorruptException>(() => RecentHistoryCheck.RunAsync(_store, _genesis, 2, CancellationToken.None));
        Assert.Equal((ulong)Blocks, tip.Height);
        Assert.Contains("the tip row", tip.Message, StringComparison.Ordinal);
    }

    private StoredBlock Build(ulong height, Hash32 previous, Hash32 headerRoot, params Transaction[] txs)
    {
        var block = new Block(new BlockHeader(ChainId, height, 0, previous, Block.ComputeTxRoot(txs), headerRoot, 0, 1_700_000_000_000 + (long)height, (uint)txs.Length), txs);
        var signature = new byte[Signature.Size];
        _signer.Sign(SignBytes.ForVote(VoteKind.Commit, ChainId, 0, height, block.Hash), signature);
        return new StoredBlock(block, new CommitCertificate(height, block.Hash, 0, [new ValidatorSignature(0, signature)]), Hash32.Zero);
    }

    private sealed class NoneApplied : IStateView
    {
        public bool IsTxApplied(Hash32 txHash) => false;
    }

    private Task SetAsync(string column, ulong height, byte[] value) =>
        ExecuteAsync($"UPDATE blocks SET {column} = $v WHERE height = {height}", value);

    private async Task ExecuteAsync(string sql, byte[]? value = null)
    {
        await using var c = new SqliteConnection($"Data Source={Path.Combine(_dir, SqliteNodeStore.FileName)}");
        await c.OpenAsync();
        await using SqliteCommand cmd = c.CreateCommand();
        cmd.CommandText = sql;
        if (value is not null)
        {
            cmd.Parameters.Add("$v", SqliteType.Blob).Value = value;
        }

        Assert.Equal(1, await cmd.ExecuteNonQueryAsync());
    }
}
