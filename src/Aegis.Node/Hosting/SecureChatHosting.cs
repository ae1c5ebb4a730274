using Aegis.Chat.Hosting;
using Aegis.Content;
using Aegis.Content.Ledger;
using Aegis.Content.Replication;
using Aegis.Network;
using Aegis.Core.Consensus;
using Aegis.Core.Crypto;
using Aegis.Core.Ledger;
using Aegis.Node.Configuration;
using Aegis.Node.Runtime;
using Aegis.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace Aegis.Node.Hosting;

/// <summary>
/// Starts SecureChat (content store + chat rooms) beside the node's runtime and maps its endpoints. Its whole view of
/// the node is <see cref="RuntimeLedger"/>: submit, wait for a commit, read blocks, hear of commits.
/// </summary>
public static class SecureChatHosting
{
    public static async Task<SecureChatNode> StartSecureChatAsync(this WebApplication app, AegisConfig config, Genesis genesis, INodeRuntime runtime, PeerNetwork network, ILoggerFactory loggers, CancellationToken ct)
    {
        StorageOptions storage = config.ToStorageOptions(genesis.Hash);
        SecureChatNode node = await SecureChatNode.StartAsync(storage, config.Content, new RuntimeLedger(runtime), store => new PeerBlockFetcher(network, store), loggers, ct);
        network.ContentHandler = (PeerBlockFetcher)node.Content.Fetcher!;
        node.Map(app);
        return node;
    }

    private sealed class RuntimeLedger(INodeRuntime runtime) : ILedgerGateway
    {
        public INodeStore Store => runtime.Store;

        public async ValueTask<string?> SubmitAsync(Transaction tx, CancellationToken ct) => await runtime.SubmitAsync(tx, ct) switch
        {
            SubmitStatus.Accepted or SubmitStatus.Duplicate => null,
            SubmitStatus.MempoolFull => "the mempool is full; retry shortly",
            _ => "the node is not accepting transactions (starting or stopping)",
        };

        public async Task<TxLocation?> WaitForCommitAsync(Hash32 txHash, TimeSpan timeout, CancellationToken ct)
        {
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
            wait.CancelAfter(timeout);
            try
            {
                await runtime.WaitForCommitAsync(txHash, wait.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                return null;
            }

            return await runtime.Store.GetTxAsync(txHash, ct);
        }

        public async IAsyncEnumerable<ulong> CommitsAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
        {
            await foreach (BlockEvent e in runtime.SubscribeAsync(ct))
            {
                yield return e.Height;
            }
        }
    }
}
