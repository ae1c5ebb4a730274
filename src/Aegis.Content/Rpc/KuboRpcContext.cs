using Aegis.Content.PubSub;

namespace Aegis.Content.Rpc;

/// <summary>What the RPC handlers work with: the store's operations, its identity, pubsub and the client bounds.</summary>
public sealed class KuboRpcContext
{
    public KuboRpcContext(ContentService content, StoreIdentity identity, ContentOptions options, TimeProvider? time = null)
    {
        Content = content;
        Identity = identity;
        Options = options;
        Limits = new ClientLimits(options, time ?? TimeProvider.System);
    }

    public ContentService Content { get; }

    public StoreIdentity Identity { get; }

    public ContentOptions Options { get; }

    public PubSubHub PubSub { get; } = new();

    internal ClientLimits Limits { get; }
}
