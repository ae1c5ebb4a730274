using Aegis.Core.Crypto;
using Aegis.Core.Ledger;
using Aegis.Core.State;
using Aegis.Core.State.Commitment;

namespace Aegis.Storage.Tests.Support;

/// <summary>One block ready for <see cref="INodeStore.CommitBlockAsync"/>: real block, dummy-signed certificate, real execution result.</summary>
internal sealed record BlockCommit(Block Block, CommitCertificate Certificate, ExecutionResult Result)
{
    public ulong Height => Block.Height;
}

/// <summary>
/// Builds a valid chain the way a node would (linked hashes, Merkle tx root, <see cref="BlockExecutor"/> results) and
/// keeps the expected key-value state alongside, so tests can compare the store against a model.
/// </summary>
internal sealed class ChainBuilder
{
    public const string ChainId = "aegis-storage-test";

    private readonly HashSet<Hash32> _applied = [];
    private readonly Dictionary<string, KvEntry> _model = new(StringComparer.Ordinal);

    // Every block built is applied and nothing is pruned, so any root the builder produced stays readable.
    private readonly InMemoryTreeNodeStore _tree = new();

    public Hash32 GenesisHash { get; } = Hash32.Compute("aegis-storage-test genesis"u8);

    public ulong Height { get; private set; }

    public Hash32 TipHash { get; private set; }

    public Hash32 StateRoot { get; private set; } = BlockExecutor.GenesisStateRoot;

    /// <summary>The expected committed value per key (UTF-8 key string), as <see cref="KvEntry"/>.</summary>
    public IReadOnlyDictionary<string, KvEntry> Model => _model;

    public static Transaction[] Puts(int count, string prefix, int valueBytes = 16)
    {
        var txs = new Transaction[count];
        for (int i = 0; i < count; i++)
        {
            txs[i] = Transaction.Put($"{prefix}-{i}", $"{prefix}:{i}:".PadRight(valueBytes, 'v'));
        }

        return txs;
    }

    public static CommitCertificate Certify(Block block) =>
        new(block.Height, block.Hash, 0, [Sig(0, block.Height), Sig(1, block.Height), Sig(2, block.Height)]);

    /// <summary>A block at the next height that extends the tip, executed against the model's applied set; the builder advances.</summary>
    public BlockCommit Next(params Transaction[] txs)
    {
        BlockCommit commit = Build(Height + 1, Height == 0 ? GenesisHash : TipHash, txs);
        _tree.Apply(commit.Result.Tree, commit.Height);
        Height = commit.Height;
        TipHash = commit.Block.Hash;
        StateRoot = commit.Result.StateRoot;
        for (int i = 0; i < txs.Length; i++)
        {
            if (commit.Result.Outcomes[i] == TxOutcome.Applied)
            {
                _applied.Add(txs[i].Hash);
            }
        }

        foreach (StateChange change in commit.Result.Changes)
        {
            string key = System.Text.Encoding.UTF8.GetString(change.Key);
            if (change.Value is null)
            {
                _model.Remove(key);
            }
            else
            {
                _model[key] = new KvEntry(change.Key, change.Value, commit.Height);
            }
        }

        return commit;
    }

    /// <summary>A block with whatever height and parent the test wants; executed against the model (its tree is not kept) but the builder does not advance.</summary>
    public BlockCommit Build(ulong height, Hash32 previousHash, params Transaction[] txs)
    {
        var header = new BlockHeader(ChainId, height, 0, previousHash, Block.ComputeTxRoot(txs), StateRoot, 0, 1_700_000_000_000 + (long)height, (uint)txs.Length);
        var block = new Block(header, txs);
        ExecutionResult result = BlockExecutor.Execute(block, StateRoot, new SetView(_applied), _tree);
        return new BlockCommit(block, Certify(block), result);
    }

    private static ValidatorSignature Sig(ushort validator, ulong height)
    {
        // The store never verifies signatures; distinct bytes per validator and height still catch mixed-up rows.
        var bytes = new byte[Signature.Size];
        for (int i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)(validator + height + (ulong)i);
        }

        return new ValidatorSignature(validator, bytes);
    }

    internal sealed class SetView(IReadOnlySet<Hash32> applied) : IStateView
    {
        public bool IsTxApplied(Hash32 txHash) => applied.Contains(txHash);
    }
}
