using Aegis.Core.Crypto;

namespace Aegis.Node.Runtime;

public enum SubmitStatus
{
    /// <summary>In the mempool, on its way to a block.</summary>
    Accepted,

    /// <summary>Already in the mempool or already committed: the same transaction is never applied twice.</summary>
    Duplicate,

    /// <summary>The mempool is full; the client should retry later.</summary>
    MempoolFull,

    /// <summary>The node is shutting down or not started.</summary>
    Unavailable,
}

public sealed record CommitInfo(Hash32 TxHash, ulong Height, Hash32 BlockHash);

/// <summary>The node's progress as of the end of the last event-loop batch; cheap to read from any thread.</summary>
public sealed record NodeSnapshot(
    ulong Height,
    Hash32 LastBlockHash,
    ulong View,
    int Leader,
    bool InViewChange,
    int MempoolSize,
    ulong StableCheckpoint,
    ulong HighestPeerHeight,
    ulong ViewChanges,
    DateTimeOffset LastCommitAt);

/// <summary>One committed block, for the event stream.</summary>
public sealed record BlockEvent(ulong Height, Hash32 Hash, int TxCount, ulong View, long TimestampMs);
