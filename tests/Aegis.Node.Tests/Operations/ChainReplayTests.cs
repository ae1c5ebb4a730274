using Aegis.Core.Consensus;
using Aegis.Core.Crypto;
using Aegis.Core.Ledger;
using Aegis.Core.State;
using Aegis.Core.State.Commitment;
using Aegis.Node.Operations;
using Aegis.Storage;

namespace Aegis.Node.Tests.Operations;

/// <summary>
/// What <c>aegis verify</c>, backup and restore accept from a stored chain: real blocks certified by the one genesis
/// validator, replayed from genesis; each bad block is refused with its reason and stops the replay.
/// </summary>
public sealed class ChainReplayTests : IDisposable
{
    private const string ChainId = "replay-test";

    private readonly EcdsaP256Signer _signer = EcdsaP256Signer.Generate();
    private readonly Genesis _genesis;

    // Never pruned: every root a test builds on stays readable.
    private readonly InMemoryTreeNodeStore _tree = new();
    private ulong _treeVersion;

    public ChainReplayTests()
    {
        var validators = new ValidatorSet([new Validator(0, "node-0", _signer.PublicKey, "127.0.0.1:1")]);
        _genesis = new Genesis(ChainId, 1_700_000_000_000, validators, new ConsensusParameters { PipelineDepth = 1 });
    }

    public void Dispose() => _signer.Dispose();

    [Fact]
    public void A_certified_chain_replays_to_its_state_and_tx_count()
    {
        var replay = new ChainReplay(_genesis);
        StoredBlock one = Next(replay, Transaction.Put("a", "1"), Transaction.Put("b", "2"));
        Assert.Null(Append(replay, one));
        StoredBlock two = Next(replay, Transaction.Put("a", "3"));
        Assert.Null(Append(replay, two));

        Assert.Equal(2UL, replay.Height);
        Assert.Equal(two.Block.Hash, replay.TipHash);
        Assert.Equal(two.StateRootAfter, replay.StateRoot);
        Assert.Equal(3, replay.Transactions);
        Assert.Equal(2, replay.StateCount);
    }

    [Fact]
    public void A_block_that_carries_a_transaction_of_an_earlier_block_is_refused()
    {
        var replay = new ChainReplay(_genesis);
        Transaction put = Transaction.Put("a", "1");
        Assert.Null(Append(replay, Next(replay, put)));

        string? problem = Append(replay, Next(replay, Transaction.Put("b", "2"), put));

        Assert.Equal($"transaction {put.Hash.ToShortString()} is already in the chain below", problem);
    }

    [Fact]
    public void A_gap_a_broken_link_and_a_bad_certificate_are_named_and_stop_the_replay()
    {
        StoredBlock one = Next(new ChainReplay(_genesis), Transaction.Put("a", "1"));

        var gap = new ChainReplay(_genesis);
        Assert.Equal("block 1 is missing (the next block is 2)", Append(gap, Build(2, _genesis.Hash, BlockExecutor.GenesisStateRoot, Transaction.Put("a", "1"))));
        Assert.Throws<InvalidOperationException>(() => gap.Append(one, null));

        var fork = new ChainReplay(_genesis);
        Assert.Contains("the hash chain is broken", Append(fork, Build(1, Hash32.Compute("elsewhere"u8), BlockExecutor.GenesisStateRoot, Transaction.Put("a", "1"))), StringComparison.Ordinal);

        var forged = new ChainReplay(_genesis);
        Assert.StartsWith("commit certificate: ", forged.Append(one, "a made-up signature problem").Problem, StringComparison.Ordinal);
        Assert.Equal(0UL, forged.Height);
    }

    [Fact]
    public void A_stored_state_root_the_replay_does_not_reach_is_refused()
    {
        var replay = new ChainReplay(_genesis);
        StoredBlock one = Next(replay, Transaction.Put("a", "1"));

        string? problem = Append(replay, one with { StateRootAfter = Hash32.Compute("not the root"u8) });

        Assert.StartsWith("the stored state root after the block is ", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_header_naming_another_state_root_than_the_genesis_one_below_the_pipeline_depth_is_refused()
    {
        // With pipeline_depth 3, blocks 1 to 3 all name the genesis state root; block 2 names the root after block 1.
        var genesis = new Genesis(ChainId, 1_700_000_000_000, _genesis.Validators, new ConsensusParameters { PipelineDepth = 3 });
        var replay = new ChainReplay(genesis);
        StoredBlock one = Build(1, genesis.Hash, BlockExecutor.GenesisStateRoot, Transaction.Put("a", "1"));
        Assert.Null(Append(replay, one));

        StoredBlock two = Build(2, one.Block.Hash, one.StateRootAfter, Transaction.Put("b", "2"));
        string? problem = Append(replay, two);

        Assert.Equal($"header.state_root {one.StateRootAfter.ToShortString()} is not the replayed state root after block 0 ({BlockExecutor.GenesisStateRoot.ToShortString()})", problem);
    }

    private static string? Append(ChainReplay replay, StoredBlock block) => replay.Append(block, replay.VerifyCertificates([block])[0]).Problem;

    /// <summary>The next block of <paramref name="replay"/>'s chain, with the header state root a proposer names.</summary>
    private StoredBlock Next(ChainReplay replay, params Transaction[] txs) => Build(replay.Height + 1, replay.TipHash, replay.StateRoot, txs);

    private StoredBlock Build(ulong height, Hash32 previous, Hash32 headerRoot, params Transaction[] txs)
    {
        var block = new Block(new BlockHeader(ChainId, height, 0, previous, Block.ComputeTxRoot(txs), headerRoot, 0, 1_700_000_000_000 + (long)height, (uint)txs.Length), txs);
        ExecutionResult result = BlockExecutor.Execute(block, headerRoot, new NoneApplied(), _tree);
        if (height > _treeVersion)
        {
            // A store's versions only grow: a block built again at a height already kept (a gap or fork case) is not kept.
            _tree.Apply(result.Tree, height);
            _treeVersion = height;
        }

        var signature = new byte[Signature.Size];
        _signer.Sign(SignBytes.ForVote(VoteKind.Commit, ChainId, 0, height, block.Hash), signature);
        return new StoredBlock(block, new CommitCertificate(height, block.Hash, 0, [new ValidatorSignature(0, signature)]), result.StateRoot);
    }

    private sealed class NoneApplied : IStateView
    {
        public bool IsTxApplied(Hash32 txHash) => false;
    }
}
