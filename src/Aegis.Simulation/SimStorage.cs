using Aegis.Core.Consensus;
using Aegis.Core.Crypto;
using Aegis.Core.Ledger;
using Aegis.Core.State;

namespace Aegis.Simulation;

/// <summary>
/// A simulated node's durable storage: the committed chain with certificates, the key-value state, the tx index and
/// the consensus record (kept encoded, so every restart also exercises the record codec). Survives crashes.
/// </summary>
public sealed class SimStorage : IStateView
{
    private readonly List<(Block Block, CommitCertificate Certificate, Hash32 StateRoot)> _chain = [];
    private readonly Dictionary<Hash32, ulong> _txIndex = [];
    private readonly List<(ulong Height, byte[] Bytes)> _record = [];

    public Dictionary<string, string> State { get; } = new(StringComparer.Ordinal);

    public ulong Height => (ulong)_chain.Count;

    public Hash32 StateRoot => _chain.Count == 0 ? BlockExecutor.GenesisStateRoot : _chain[^1].StateRoot;

    public IReadOnlyList<(Block Block, CommitCertificate Certificate, Hash32 StateRoot)> Chain => _chain;

    public bool IsTxApplied(Hash32 txHash) => _txIndex.ContainsKey(txHash);

    /// <summary>Executes and stores a committed block atomically; returns the new state root.</summary>
    public Hash32 Commit(Block block, CommitCertificate certificate)
    {
        ExecutionResult result = BlockExecutor.Execute(block, StateRoot, this);
        foreach (StateChange change in result.Changes)
        {
            string key = System.Text.Encoding.UTF8.GetString(change.Key);
            if (change.Value is null)
            {
                State.Remove(key);
            }
            else
            {
                State[key] = System.Text.Encoding.UTF8.GetString(change.Value);
            }
        }

        for (int i = 0; i < block.Transactions.Count; i++)
        {
            _txIndex.TryAdd(block.Transactions[i].Hash, block.Height);
        }

        _chain.Add((block, certificate, result.StateRoot));
        return result.StateRoot;
    }

    public void AppendRecord(RecordEntry entry) => _record.Add((entry.Height, entry.ToBytes()));

    public void TruncateRecord(ulong belowHeight) => _record.RemoveAll(e => e.Height < belowHeight);

    public IEnumerable<RecordEntry> ReadRecord() => _record.Select(e => RecordEntry.FromBytes(e.Bytes)).ToList();

    public int RecordSize => _record.Count;

    public ChainPosition Position(Genesis genesis) =>
        ChainPosition.FromRecent(genesis, [.. _chain.Skip(Math.Max(0, _chain.Count - genesis.Parameters.DedupHorizonBlocks)).Select(c => (new CommittedBlock(c.Block, c.Certificate), c.StateRoot))]);
}
