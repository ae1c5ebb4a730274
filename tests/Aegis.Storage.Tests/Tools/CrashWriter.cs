using Aegis.Core.Ledger;
using Aegis.Core.State;
using Aegis.Storage.Sqlite;
using Aegis.Storage.Tests.Support;

namespace Aegis.Storage.Tests.Tools;

/// <summary>
/// Commits blocks forever the way a node does (tip from the store, state view from the tx index, execute, commit) and
/// prints "committed H" after each commit returns — an acknowledgement the parent holds the store to after a SIGKILL.
/// </summary>
internal static class CrashWriter
{
    public const int KeySpace = 200;

    public static async Task RunAsync(string directory)
    {
        var chain = new ChainBuilder();
        await using INodeStore store = new SqliteNodeStore(directory, chain.GenesisHash);
        await store.InitializeAsync(default);
        ChainTip tip = await store.GetTipAsync(default);
        var random = new Random(Environment.ProcessId);
        var recent = new List<Transaction>();

        while (true)
        {
            ulong height = tip.Height + 1;
            Transaction[] txs = RandomTransactions(random, recent);
            var header = new BlockHeader(ChainBuilder.ChainId, height, 0, height == 1 ? chain.GenesisHash : tip.BlockHash, Block.ComputeTxRoot(txs), tip.StateRoot, 0, 1_700_000_000_000 + (long)height, (uint)txs.Length);
            var block = new Block(header, txs);

            await store.AppendConsensusRecordAsync([new ConsensusRecordEntry(height, block.Hash.ToArray())], default);
            IStateView view = await store.LoadStateViewAsync(block, default);
            ExecutionResult result = BlockExecutor.Execute(block, tip.StateRoot, view, store.StateNodes);
            await store.CommitBlockAsync(block, ChainBuilder.Certify(block), result, default);
            Console.WriteLine($"committed {height}");

            if (height % 10 == 0)
            {
                await store.TruncateConsensusRecordAsync(height - 5, default);
            }

            tip = new ChainTip(height, block.Hash, result.StateRoot, header.TimestampMs);
        }
    }

    /// <summary>Puts and deletes over a small key space, plus resubmissions of recent transactions (duplicates).</summary>
    private static Transaction[] RandomTransactions(Random random, List<Transaction> recent)
    {
        var txs = new List<Transaction>();
        var inBlock = new HashSet<Core.Crypto.Hash32>();
        int count = random.Next(20, 150);
        while (txs.Count < count)
        {
            int roll = random.Next(100);
            string key = $"k{random.Next(KeySpace)}";
            Transaction tx = roll switch
            {
                < 10 when recent.Count > 0 => recent[random.Next(recent.Count)],
                < 30 => Transaction.Delete(key),
                _ => Transaction.Put(key, new string((char)('a' + random.Next(26)), random.Next(1, 300))),
            };
            if (inBlock.Add(tx.Hash))
            {
                txs.Add(tx);
            }
        }

        recent.AddRange(txs);
        if (recent.Count > 500)
        {
            recent.RemoveRange(0, recent.Count - 500);
        }

        return [.. txs];
    }
}
