using Aegis.Core.Ledger;
using Aegis.Storage.Memory;
using Aegis.Storage.Tests.Support;

namespace Aegis.Storage.Tests.Memory;

/// <summary>The simulator's end-of-run state check: it holds on a store the node wrote, and names a kv row or tree node that went missing.</summary>
public sealed class StateTreeCheckTests
{
    [Fact]
    public async Task The_check_holds_for_written_blocks_and_names_an_altered_kv_row_or_a_lost_tree_node()
    {
        var data = new MemoryStoreData("check");
        var chain = new ChainBuilder();
        await using INodeStore store = new MemoryNodeStore(data, chain.GenesisHash);
        await store.InitializeAsync(default);
        foreach (BlockCommit commit in new[] { chain.Next(ChainBuilder.Puts(20, "a")), chain.Next(Transaction.Delete("a-3"), Transaction.Put("a-4", "new")) })
        {
            await store.CommitBlockAsync(commit.Block, commit.Certificate, commit.Result, default);
        }

        Assert.Null(data.CheckStateTree());

        data.Kv[Convert.ToBase64String("a-5"u8.ToArray())] = ("altered"u8.ToArray(), 2);
        Assert.Contains("the kv rows (19) build state root", data.CheckStateTree(), StringComparison.Ordinal);
        data.Kv.Remove(Convert.ToBase64String("a-5"u8.ToArray()));
        Assert.Contains("the kv rows (18)", data.CheckStateTree(), StringComparison.Ordinal);
    }
}
