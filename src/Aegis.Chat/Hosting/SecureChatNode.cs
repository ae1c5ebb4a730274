using Aegis.Chat.Api;
using Aegis.Chat.Rooms;
using Aegis.Chat.Ui;
using Aegis.Content;
using Aegis.Content.Ledger;
using Aegis.Content.Replication;
using Aegis.Content.Rpc;
using Aegis.Content.Storage;
using Aegis.Core.Ledger;
using Aegis.Storage;
using Aegis.Storage.Auxiliary;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace Aegis.Chat.Hosting;

/// <summary>
/// SecureChat on one node: the content store (tables, Kubo RPC, pins through the ledger, replication) and the chat
/// rooms (projection, REST, push, UI), started beside the node's runtime and stopped with it. The node gives it a
/// <see cref="ILedgerGateway"/> and its storage options; nothing else crosses the seam.
/// </summary>
public sealed class SecureChatNode : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];
    private readonly BlockFollower _follower;

    private SecureChatNode(ContentStore contentStore, ChatStore chatStore, ContentService content, KuboRpcContext rpc, ChatService chat, BlockFollower follower, Replicator replicator)
    {
        ContentStore = contentStore;
        ChatStore = chatStore;
        Content = content;
        Rpc = rpc;
        Chat = chat;
        _follower = follower;
        Replicator = replicator;
    }

    public ContentStore ContentStore { get; }

    public ChatStore ChatStore { get; }

    public ContentService Content { get; }

    public KuboRpcContext Rpc { get; }

    public ChatService Chat { get; }

    public Replicator Replicator { get; }

    public static async Task<SecureChatNode> StartAsync(StorageOptions storage, ContentOptions options, ILedgerGateway ledger, Func<ContentStore, IBlockFetcher>? fetcher, ILoggerFactory loggers, CancellationToken ct)
    {
        ContentStore contentStore = ContentStore.Create(storage);
        await contentStore.InitializeAsync(ct).ConfigureAwait(false);
        ChatStore chatStore = ChatStore.Create(storage);
        await chatStore.InitializeAsync(ct).ConfigureAwait(false);

        var content = new ContentService(contentStore) { Fetcher = fetcher?.Invoke(contentStore) };
        var replicator = new Replicator(content, loggers.CreateLogger<Replicator>());
        var pins = new LedgerPins(ledger, contentStore, replicator);
        content.Ledger = pins;
        ulong pinHeight = await pins.LoadHeightAsync(ct).ConfigureAwait(false);
        ulong chatHeight = await chatStore.LoadHeightAsync(ct).ConfigureAwait(false);

        // One reader of the chain for both projections: each committed block is read from the node's store once and
        // applied to each projection that has not stored it yet. The two keep their heights in separate databases, so
        // after a crash one may be ahead; it skips the blocks it already has.
        // A block without pin (or chat) transactions changes that projection in nothing but its stored height, and that
        // write was a transaction with its own fsync per block and projection: most of a syncing node's fsyncs (8.5 % of
        // its CPU during a replay join, bench/README.md "Catch-up"). Such blocks only move the height, stored with the
        // next block that has something, or every HeightEvery blocks: a restart re-reads at most that many blocks, which
        // change nothing when applied again.
        const ulong HeightEvery = 256;
        ulong pinStored = pinHeight;
        ulong chatStored = chatHeight;
        var hub = new ChatHub();
        var follower = new BlockFollower(ledger.Store, Math.Min(pinHeight, chatHeight), async (block, token) =>
        {
            IReadOnlyList<Transaction> txs = block.Block.Transactions;
            if (block.Height > pinHeight && (block.Height >= pinStored + HeightEvery || txs.Any(t => t.Op is TxOp.ContentPin or TxOp.ContentUnpin)))
            {
                await pins.ApplyAsync(block, token).ConfigureAwait(false);
                pinStored = block.Height;
            }

            if (block.Height > chatHeight && (block.Height >= chatStored + HeightEvery || txs.Any(t => t.Op == TxOp.Chat)))
            {
                hub.Publish(await chatStore.ApplyBlockAsync(block, token).ConfigureAwait(false));
                chatStored = block.Height;
            }
        });
        var chat = new ChatService(chatStore, content, ledger, follower, hub);
        StoreIdentity identity = await StoreIdentity.LoadOrCreateAsync(contentStore, ct).ConfigureAwait(false);
        var node = new SecureChatNode(contentStore, chatStore, content, new KuboRpcContext(content, identity, options), chat, follower, replicator);

        // Ledger pins whose DAG may be incomplete here (a crash mid-fetch) are walked again; complete ones cost one read per block.
        foreach (PinRecord pin in await contentStore.ListPinsAsync(ct).ConfigureAwait(false))
        {
            if (pin.Source == PinSource.Ledger)
            {
                replicator.Enqueue(pin.Cid);
            }
        }

        node._loops.Add(Task.Run(() => follower.RunAsync(node._stop.Token), CancellationToken.None));
        node._loops.Add(Task.Run(() => replicator.RunAsync(node._stop.Token), CancellationToken.None));
        node._loops.Add(Task.Run(() => node.PumpCommitsAsync(ledger, node._stop.Token), CancellationToken.None));
        return node;
    }

    /// <summary>Adds the endpoints: Kubo RPC under /ipfs-api/api/v0, chat under /v1/chat, room events on /v1/events?room=, the UI at /chat/.</summary>
    public void Map(WebApplication app)
    {
        app.UseChatEvents(Chat);
        app.MapKuboRpc(Rpc);
        app.MapChatApi(Chat);
        app.MapChatUi();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        foreach (Task loop in _loops)
        {
            try
            {
                await loop.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        _follower.Dispose();
        Content.Dispose();
        await ContentStore.DisposeAsync().ConfigureAwait(false);
        await ChatStore.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task PumpCommitsAsync(ILedgerGateway ledger, CancellationToken ct)
    {
        try
        {
            await foreach (ulong _ in ledger.CommitsAsync(ct).ConfigureAwait(false))
            {
                _follower.Notify();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
