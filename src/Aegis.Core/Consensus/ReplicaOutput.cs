using Aegis.Core.Consensus.Messages;
using Aegis.Core.Crypto;
using Aegis.Core.Ledger;

namespace Aegis.Core.Consensus;

/// <summary>
/// What a replica asks its host to do. The host performs outputs in order, with one rule: every
/// <see cref="PersistRecord"/> of a batch is durable before any <see cref="Send"/> or <see cref="Broadcast"/> of the same batch.
/// </summary>
public abstract record ReplicaOutput;

public sealed record Send(int To, ConsensusMessage Message) : ReplicaOutput;

public sealed record Broadcast(ConsensusMessage Message) : ReplicaOutput;

/// <summary>Append to the consensus write-ahead record.</summary>
public sealed record PersistRecord(RecordEntry Entry) : ReplicaOutput;

/// <summary>Entries tagged below this height are no longer needed (a newer stable checkpoint exists).</summary>
public sealed record TruncateRecord(ulong BelowHeight) : ReplicaOutput;

/// <summary>Store and execute this block, strictly in height order, then call <see cref="Replica.Executed"/>.</summary>
public sealed record CommitBlock(Block Block, CommitCertificate Certificate) : ReplicaOutput;

public sealed record ViewChanged(ulong View, int Primary) : ReplicaOutput;

/// <summary>This replica is behind: fetch committed blocks (with certificates) from <paramref name="Peer"/> starting at <paramref name="FromHeight"/> and feed them, checked, to <see cref="Replica.SyncedChunk"/>.</summary>
public sealed record RequestSync(int Peer, ulong FromHeight) : ReplicaOutput;

/// <summary>Provable misbehaviour by a validator, or (for <see cref="EvidenceKind.StateDivergence"/>) this node's own state disagreeing with a quorum.</summary>
public sealed record EvidenceFound(Evidence Evidence) : ReplicaOutput;

public enum EvidenceKind
{
    EquivocatingProposal,
    ConflictingVotes,
    ConflictingCheckpoints,
    InvalidProposal,
    StateDivergence,
}

public sealed record Evidence(EvidenceKind Kind, int Validator, ulong View, ulong Height, string Description, ConsensusMessage? First = null, ConsensusMessage? Second = null);

/// <summary>A diagnostic trace of a decision, cheap enough to keep in production logs at debug level.</summary>
public sealed record ReplicaTrace(string Message) : ReplicaOutput;

/// <summary>The replica's progress, for status endpoints and metrics.</summary>
public sealed record ReplicaStatus(ulong View, int Primary, bool InViewChange, ulong CommittedHeight, Hash32 CommittedHash, ulong ExecutedHeight, ulong StableCheckpoint, int MempoolSize, ulong ViewChanges);
