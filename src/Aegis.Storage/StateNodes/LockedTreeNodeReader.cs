using Aegis.Core.Crypto;
using Aegis.Core.State.Commitment;

namespace Aegis.Storage.StateNodes;

/// <summary>A node reader over something that is not thread-safe (a connection, a dictionary), one read at a time.</summary>
internal sealed class LockedTreeNodeReader(ITreeNodeReader inner, object gate) : ITreeNodeReader
{
    public TreeNode Get(NodeRef at)
    {
        lock (gate)
        {
            return inner.Get(at);
        }
    }

    public NodeRef FindRoot(Hash32 root)
    {
        lock (gate)
        {
            return inner.FindRoot(root);
        }
    }
}
