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
    /// <summary>No index consulted: enough while the replica's recent window still reaches back to height 1.</summary>
    public static readonly TxHistory None = new(0, new HashSet<Hash32>());
}
