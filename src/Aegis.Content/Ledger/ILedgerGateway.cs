using Aegis.Core.Crypto;
using Aegis.Core.Ledger;
using Aegis.Storage;

namespace Aegis.Content.Ledger;

/// <summary>
/// The seam between the systems built on the ledger (content pins, chat rooms) and the node that runs it: submit a
/// transaction, wait for it, read committed blocks, hear of new commits. The node host implements it over its
/// runtime; nothing here knows the runtime's types.
/// </summary>
public interface ILedgerGateway
{
    /// <summary>The node's committed chain (read only).</summary>
    INodeStore Store { get; }

    /// <summary>Puts the transaction in the mempool; null when accepted (or already there), else why not.</summary>
    ValueTask<string?> SubmitAsync(Transaction tx, CancellationToken ct);

    /// <summary>Where the transaction was committed, or null when it is not committed within <paramref name="timeout"/>.</summary>
    Task<TxLocation?> WaitForCommitAsync(Hash32 txHash, TimeSpan timeout, CancellationToken ct);

    /// <summary>The height of every block this node commits from now on.</summary>
    IAsyncEnumerable<ulong> CommitsAsync(CancellationToken ct);
}
