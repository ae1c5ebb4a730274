using Aegis.Core.Crypto;

namespace Aegis.Storage;

/// <summary>The last committed block: its height and hash, the state root after it, and its timestamp.</summary>
public sealed record ChainTip(ulong Height, Hash32 BlockHash, Hash32 StateRoot, long TimestampMs)
{
    /// <summary>An empty store: nothing committed yet.</summary>
    public static readonly ChainTip Empty = new(0, Hash32.Zero, Hash32.Zero, 0);

    public bool IsEmpty => Height == 0;
}
