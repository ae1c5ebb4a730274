using Aegis.Core.Crypto;
using Aegis.Core.State;

namespace Aegis.Node.Runtime;

/// <summary>The tx-index answer for one block, prefetched in a single query, as the executor's view of the state.</summary>
internal sealed class AppliedTransactions(IReadOnlySet<Hash32> applied) : IStateView
{
    public bool IsTxApplied(Hash32 txHash) => applied.Contains(txHash);
}
