using Aegis.Core.Crypto;
using Aegis.Core.Ledger;

namespace Aegis.Core.Mempool;

/// <summary>
/// Hashes of the transactions in the last committed heights: every block from <see cref="CompleteFrom"/> up to the
/// committed tip. Together with a <see cref="TxHistory"/> that reaches <see cref="CompleteFrom"/> − 1 it answers exactly
/// whether a transaction is in the chain; the window only bounds memory and how fresh a history must be.
/// </summary>
public sealed class RecentTransactions
{
    private readonly Dictionary<Hash32, ulong> _heights = [];
    private readonly Queue<(ulong Height, Hash32[] Hashes)> _byHeight = new();

    /// <param name="completeFrom">The first height whose transactions will be added (1 for a new chain).</param>
    public RecentTransactions(ulong completeFrom = 1) => CompleteFrom = completeFrom;

    public int Count => _heights.Count;

    /// <summary>Every committed block at this height or above has been added.</summary>
    public ulong CompleteFrom { get; private set; }

    public void Add(ulong height, IReadOnlyList<Transaction> txs)
    {
        var hashes = new Hash32[txs.Count];
        for (int i = 0; i < hashes.Length; i++)
        {
            hashes[i] = txs[i].Hash;
            _heights.TryAdd(hashes[i], height);
        }

        _byHeight.Enqueue((height, hashes));
    }

    public bool Contains(Hash32 hash) => _heights.ContainsKey(hash);

    /// <summary>True when a history that indexed blocks up to <paramref name="indexedThrough"/> leaves no gap below this window.</summary>
    public bool Covers(ulong indexedThrough) => indexedThrough + 1 >= CompleteFrom;

    public void EvictBelow(ulong height)
    {
        CompleteFrom = Math.Max(CompleteFrom, height);
        while (_byHeight.Count > 0 && _byHeight.Peek().Height < height)
        {
            (ulong h, Hash32[] hashes) = _byHeight.Dequeue();
            foreach (Hash32 x in hashes)
            {
                if (_heights.TryGetValue(x, out ulong at) && at == h)
                {
                    _heights.Remove(x);
                }
            }
        }
    }
}
