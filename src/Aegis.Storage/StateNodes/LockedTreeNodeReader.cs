using Aegis.Core.Crypto;
using Aegis.Core.State.Commitment;

namespace Aegis.Storage.StateNodes;

/// <summary>A node reader over something that is not thread-safe (a connection, a dictionary), one read at a time.</summary>
internal sealed class LockedTreeNodeReader(ITreeNodeReader inner, object gate) : ITreeNodeReader
{
    public TreeNode Get(Hash32 hash)
    {
        lock (gate)
        {
            return inner.Get(hash);
        }
    }
}
