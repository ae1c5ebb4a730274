using Aegis.Core.Crypto;
using Aegis.Core.Ledger;
using Aegis.Core.State;

namespace Aegis.Storage;

public static class NodeStoreExtensions
{
    /// <summary>
    /// The state view <see cref="BlockExecutor.Execute"/> needs for <paramref name="block"/>: which of its transactions
    /// earlier blocks applied, fetched in one batched lookup so execution itself stays pure and synchronous.
    /// </summary>
    public static async Task<IStateView> LoadStateViewAsync(this INodeStore store, Block block, CancellationToken ct)
    {
        var hashes = new Hash32[block.Transactions.Count];
        for (int i = 0; i < hashes.Length; i++)
        {
            hashes[i] = block.Transactions[i].Hash;
        }

        IReadOnlySet<Hash32> applied = await store.FindAppliedTxsAsync(hashes, ct).ConfigureAwait(false);
        return new AppliedTxsView(applied);
    }

    private sealed class AppliedTxsView(IReadOnlySet<Hash32> applied) : IStateView
    {
        public bool IsTxApplied(Hash32 txHash) => applied.Contains(txHash);
    }
}
