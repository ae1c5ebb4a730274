using Aegis.Core.Crypto;
using Aegis.Core.Ledger;

namespace Aegis.Core.Mempool;

/// <summary>
/// Hashes of transactions committed in the last <c>DedupHorizonBlocks</c> heights with the height of each, so a
/// proposal can be checked deterministically: every replica rejects the same repeats whatever its own height.
/// </summary>
public sealed class RecentTransactions
{
    private readonly Dictionary<Hash32, ulong> _heights = [];
    private readonly Queue<(ulong Height, Hash32[] Hashes)> _byHeight = new();

    public int Count => _heights.Count;

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

    /// <summary>True when <paramref name="hash"/> was committed at a height ≥ <paramref name="minHeight"/>.</summary>
    public bool CommittedSince(Hash32 hash, ulong minHeight) => _heights.TryGetValue(hash, out ulong h) && h >= minHeight;

    public bool Contains(Hash32 hash) => _heights.ContainsKey(hash);

    public void EvictBelow(ulong height)
    {
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
