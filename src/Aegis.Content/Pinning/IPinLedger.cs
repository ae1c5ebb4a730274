using Aegis.Content.Cids;

namespace Aegis.Content.Pinning;

/// <summary>
/// How a pin reaches the other validators: the node submits a pin (or unpin) transaction; once committed, every node's
/// <see cref="LedgerPinFollower"/> records it and fetches the blocks it lacks. Null when the store runs without a node.
/// </summary>
public interface IPinLedger
{
    /// <summary>Submits the change to the mempool; does not wait for the commit (the local pin already protects the blocks).</summary>
    /// <returns>null when accepted, otherwise why not (mempool full, node stopping).</returns>
    ValueTask<string?> SubmitAsync(Cid cid, bool pin, CancellationToken ct);
}
