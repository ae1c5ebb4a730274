using Aegis.Core.Consensus;
using Aegis.Core.Crypto;
using Aegis.Core.Ledger;
using Aegis.Core.State;
using Aegis.Core.State.Commitment;
using Aegis.Storage;

namespace Aegis.Node.Operations;

/// <summary>
/// Re-checks a chain from genesis, one stored block at a time, the way <c>aegis verify</c> and <c>aegis restore</c>
/// read it: <see cref="ChainAudit"/>'s checks (heights follow each other from 1, each block extends the one before and
/// is of this chain, says the truth about its transactions, carries a certificate a quorum of the genesis validators
/// signed, and holds no transaction the chain already holds), then its header names the state root the replay computed
/// <c>pipeline_depth</c> blocks earlier, and executing it again gives the state root stored with it. The replay keeps
/// the whole key-value state and tx index in memory, so the store's own tables can then be compared with what the
/// blocks say they must hold.
/// <para>
/// Cost: the certificate checks dominate (a quorum of ECDSA P-256 verifications per block, ~60 µs each here); they run
/// in parallel over a batch (<see cref="VerifyCertificates"/>) before the sequential replay.
/// </para>
/// </summary>
public sealed class ChainReplay
{
    private readonly Genesis _genesis;
    private readonly ulong _depth;
    private readonly ChainAudit _audit;
    private readonly Dictionary<string, (byte[] Value, ulong Height)> _state = new(StringComparer.Ordinal);
    private readonly Dictionary<Hash32, TxLocation> _index = [];
    private readonly Dictionary<ulong, Hash32> _roots = new() { [0] = BlockExecutor.GenesisStateRoot };

    // The state tree under StateRoot only: each block's stale nodes are dropped at once (a replay needs no older root).
    private readonly InMemoryTreeNodeStore _tree = new();

    // The batch check's verdict on the block being appended (see VerifyCertificates), handed to the audit.
    private string? _certificateProblem;
    private string? _stoppedAt;

    public ChainReplay(Genesis genesis)
    {
        _genesis = genesis;
        _depth = (ulong)genesis.Parameters.PipelineDepth;
        _audit = new ChainAudit(genesis, (_, _) => CertificateProblem(_certificateProblem));
    }

    public ulong Height => _audit.Height;

    public Hash32 TipHash => _audit.TipHash;

    public Hash32 StateRoot { get; private set; } = BlockExecutor.GenesisStateRoot;

    public long Transactions => _audit.TransactionCount;

    public int StateCount => _state.Count;

    /// <summary>Checks the certificates of a batch of blocks in parallel; one problem per block, null when its certificate proves it.</summary>
    public string?[] VerifyCertificates(IReadOnlyList<StoredBlock> blocks) => VerifyCertificates(_genesis, blocks);

    /// <summary>Checks the certificates of a batch of blocks against the genesis validators, in parallel; one problem per block.</summary>
    public static string?[] VerifyCertificates(Genesis genesis, IReadOnlyList<StoredBlock> blocks)
    {
        var problems = new string?[blocks.Count];
        Parallel.For(0, blocks.Count, i => problems[i] = blocks[i].Certificate.Verify(genesis.Validators, genesis.ChainId, blocks[i].Block));
        return problems;
    }

    /// <summary>
    /// Appends the next block; <paramref name="certificateProblem"/> is its entry from <see cref="VerifyCertificates"/>.
    /// Returns the execution result (what a store writes with the block), or the reason the block is bad; the replay
    /// then stops there (every reader stops at the first bad block), and a further append is a bug.
    /// </summary>
    public (ExecutionResult? Result, string? Problem) Append(StoredBlock stored, string? certificateProblem)
    {
        if (_stoppedAt is not null)
        {
            throw new InvalidOperationException($"the replay stopped at a bad block ({_stoppedAt}); nothing may follow it");
        }

        Block block = stored.Block;
        ulong source = block.Height > _depth ? block.Height - _depth : 0;
        _certificateProblem = certificateProblem;
        string? problem = _audit.Append(block, stored.Certificate)
            ?? HeaderRootProblem(block, _roots.TryGetValue(source, out Hash32 root) ? (source, root) : null);
        ExecutionResult? result = null;
        if (problem is null)
        {
            // The audit has just proved no transaction of this block is in the chain below, so none is applied yet.
            result = BlockExecutor.Execute(block, StateRoot, NothingApplied.Instance, _tree);
            if (result.StateRoot != stored.StateRootAfter)
            {
                problem = $"the stored state root after the block is {stored.StateRootAfter.ToShortString()}, replaying it gives {result.StateRoot.ToShortString()}";
            }
        }

        if (problem is not null)
        {
            _stoppedAt = $"height {block.Height}: {problem}";
            return (null, problem);
        }

        for (int i = 0; i < block.Transactions.Count; i++)
        {
            Hash32 hash = block.Transactions[i].Hash;
            _index[hash] = new TxLocation(hash, block.Height, block.Hash, i, result!.Outcomes[i]);
        }

        foreach (StateChange change in result!.Changes)
        {
            string key = Convert.ToHexString(change.Key);
            if (change.Value is null)
            {
                _state.Remove(key);
            }
            else
            {
                _state[key] = (change.Value, block.Height);
            }
        }

        _tree.Apply(result.Tree, block.Height);
        _tree.PruneStaleUpTo(block.Height);
        StateRoot = result.StateRoot;
        _roots[block.Height] = result.StateRoot;
        if (block.Height > _depth)
        {
            // The next block names the root after Height + 1 - depth; below depth it names the genesis root (height 0), kept.
            _roots.Remove(block.Height - _depth);
        }
        return (result, null);
    }

    /// <summary>
    /// Whether <paramref name="block"/> may follow a chain whose tip is (<paramref name="height"/>, <paramref name="tipHash"/>):
    /// <see cref="ChainAudit.CheckLink"/>, its certificate (checked by the caller, maybe in parallel), and the state
    /// root its header must name when the replayed one is known. Null when it may; else why not. For a follower that
    /// keeps no audit of its own.
    /// </summary>
    public static string? CheckNext(Genesis genesis, ulong height, Hash32 tipHash, Block block, string? certificateProblem, (ulong Height, Hash32 Root)? headerRoot) =>
        ChainAudit.CheckLink(genesis, height, tipHash, block) ?? CertificateProblem(certificateProblem) ?? HeaderRootProblem(block, headerRoot);

    private static string? CertificateProblem(string? problem) => problem is null ? null : $"commit certificate: {problem}";

    private static string? HeaderRootProblem(Block block, (ulong Height, Hash32 Root)? expected) =>
        expected is { } e && block.Header.StateRoot != e.Root
            ? $"header.state_root {block.Header.StateRoot.ToShortString()} is not the replayed state root after block {e.Height} ({e.Root.ToShortString()})"
            : null;

    /// <summary>Compares a stored (or backed-up) key-value state with the replay's; the first difference as (height, reason), or null.</summary>
    public async Task<(ulong Height, string Reason)?> CompareStateAsync(IAsyncEnumerable<KvEntry> entries, CancellationToken ct)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        await foreach (KvEntry e in entries.WithCancellation(ct))
        {
            string key = Convert.ToHexString(e.Key);
            if (!_state.TryGetValue(key, out (byte[] Value, ulong Height) expected))
            {
                return (e.Height, $"key {Show(e.Key)} holds a value no block left there");
            }

            if (!expected.Value.AsSpan().SequenceEqual(e.Value))
            {
                return (expected.Height, $"the value of key {Show(e.Key)} differs from the one block {expected.Height} wrote");
            }

            if (expected.Height != e.Height)
            {
                return (expected.Height, $"key {Show(e.Key)} is recorded as written at height {e.Height}, the last block to write it is {expected.Height}");
            }

            seen.Add(key);
        }

        if (seen.Count != _state.Count)
        {
            (string key, (byte[] _, ulong height)) = _state.Where(kv => !seen.Contains(kv.Key)).MinBy(kv => kv.Value.Height);
            return (height, $"key {Show(Convert.FromHexString(key))} written by block {height} is missing");
        }

        return null;
    }

    /// <summary>Compares a stored tx index with the replay's; the first difference as (height, reason), or null.</summary>
    public async Task<(ulong Height, string Reason)?> CompareTxIndexAsync(IAsyncEnumerable<TxLocation> rows, CancellationToken ct)
    {
        long matched = 0;
        await foreach (TxLocation row in rows.WithCancellation(ct))
        {
            if (!_index.TryGetValue(row.TxHash, out TxLocation? expected))
            {
                return (row.Height, $"the tx index holds {row.TxHash.ToShortString()}, which no block carries");
            }

            if (expected != row)
            {
                return (expected.Height, $"the tx index puts {row.TxHash.ToShortString()} at height {row.Height} index {row.Index} ({row.Outcome}), the chain at height {expected.Height} index {expected.Index} ({expected.Outcome})");
            }

            matched++;
        }

        if (matched != _index.Count)
        {
            return (0, $"the tx index lacks {_index.Count - matched} of the chain's {_index.Count} transactions");
        }

        return null;
    }

    /// <summary>A key as an operator reads it: 'text' when printable, else 0x-hex.</summary>
    internal static string Show(byte[] key) =>
        key.All(b => b is >= 0x20 and < 0x7f) ? $"'{System.Text.Encoding.ASCII.GetString(key)}'" : "0x" + Convert.ToHexString(key).ToLowerInvariant();

    private sealed class NothingApplied : IStateView
    {
        public static readonly NothingApplied Instance = new();

        public bool IsTxApplied(Hash32 txHash) => false;
    }
}
