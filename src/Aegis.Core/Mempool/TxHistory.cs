using Aegis.Core.Crypto;

namespace Aegis.Core.Mempool;

/// <summary>
/// What the host's exact transaction index (every transaction ever committed, by hash) said about a few transactions:
/// which of them the chain holds at heights 1..<see cref="IndexedThrough"/>. The replica joins it with what it
/// committed since (its recent window) to know exactly whether a transaction is already in the chain, at one index
/// lookup per transaction, so no transaction is committed twice however long ago it first was.
/// </summary>
/// <param name="IndexedThrough">Every block up to this height was in the index when it was read (a lower bound is fine).</param>
/// <param name="Committed">The looked-up hashes the index holds; the others it does not.</param>
public sealed record TxHistory(ulong IndexedThrough, IReadOnlySet<Hash32> Committed)
{
    /// <summary>
    /// The lowest height the index holds (1, or 0 for an empty chain: all of it). A node that joined by snapshot holds
    /// the index only from its snapshot's window on until its history is backfilled: a transaction it does not find may
    /// have been committed below that, so the replica neither takes it into the mempool nor votes for a block with it.
    /// </summary>
    public ulong IndexedFrom { get; init; } = 1;

    /// <summary>The index reaches back to block 1: "not found" means "never committed below <see cref="IndexedThrough"/>".</summary>
    public bool FromGenesis => IndexedFrom <= 1;

    /// <summary>No index consulted: enough while the replica's recent window still reaches back to height 1.</summary>
    public static readonly TxHistory None = new(0, new HashSet<Hash32>());
}
