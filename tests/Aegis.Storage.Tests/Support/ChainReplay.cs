using Aegis.Core.Crypto;
using Aegis.Core.Ledger;
using Aegis.Core.State;
using Aegis.Core.State.Commitment;

namespace Aegis.Storage.Tests.Support;

/// <summary>
/// Re-executes a store's blocks from height 1 with nothing but the blocks themselves and checks that the store's
/// own record (links, state roots, tip, key-value rows) matches what execution says it must be.
/// </summary>
internal static class ChainReplay
{
    public static async Task<ChainTip> VerifyAsync(INodeStore store, IEnumerable<string> keysToCheck)
    {
        ChainTip tip = await store.GetTipAsync(default);
        var applied = new HashSet<Hash32>();
        var state = new Dictionary<string, KvEntry>(StringComparer.Ordinal);
        Hash32 root = BlockExecutor.GenesisStateRoot;
        var tree = new InMemoryTreeNodeStore();
        Hash32 previous = default;
        ulong height = 0;

        while (true)
        {
            IReadOnlyList<StoredBlock> chunk = await store.GetBlocksAsync(height + 1, 64, default);
            if (chunk.Count == 0)
            {
                break;
            }

            foreach (StoredBlock stored in chunk)
            {
                height++;
                Assert.Equal(height, stored.Height);
                Assert.Null(stored.Block.CheckIntegrity());
                Assert.Equal(stored.Block.Hash, stored.Certificate.BlockHash);
                if (height > 1)
                {
                    Assert.Equal(previous, stored.Block.Header.PreviousHash);
                }

                ExecutionResult result = BlockExecutor.Execute(stored.Block, root, new ChainBuilder.SetView(applied), tree);
                tree.Apply(result.Tree, height);
                tree.PruneStaleUpTo(height);
                Assert.Equal(result.StateRoot, stored.StateRootAfter);
                for (int i = 0; i < result.Outcomes.Count; i++)
                {
                    if (result.Outcomes[i] == TxOutcome.Applied)
                    {
                        applied.Add(stored.Block.Transactions[i].Hash);
                    }
                }

                foreach (StateChange change in result.Changes)
                {
                    string key = System.Text.Encoding.UTF8.GetString(change.Key);
                    if (change.Value is null)
                    {
                        state.Remove(key);
                    }
                    else
                    {
                        state[key] = new KvEntry(change.Key, change.Value, height);
                    }
                }

                root = result.StateRoot;
                previous = stored.Block.Hash;
            }
        }

        Assert.Equal(tip.Height, height);
        Assert.Equal(height == 0 ? Hash32.Zero : previous, tip.BlockHash);
        Assert.Equal(root, tip.StateRoot);
        foreach (string key in keysToCheck)
        {
            await KvAssert.MatchesAsync(store, key, state.GetValueOrDefault(key));

            // The store's own tree under its tip's root answers the same as the replayed state.
            Assert.Equal(state.GetValueOrDefault(key)?.Value, StateTree.Get(store.StateNodes, tip.StateRoot, System.Text.Encoding.UTF8.GetBytes(key)));
        }

        return tip;
    }
}
