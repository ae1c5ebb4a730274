using Aegis.Core.Consensus;

namespace Aegis.Node.Runtime;

public sealed record NodeRuntimeOptions
{
    public string NodeId { get; init; } = "node";

    /// <summary>Length of one logical tick; replica timeouts are counted in ticks.</summary>
    public int TickMs { get; init; } = 50;

    public ReplicaOptions Replica { get; init; } = new();

    /// <summary>After storage failed under consensus, how long before the runtime tries again from what is durable.</summary>
    public TimeSpan RecoveryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The longest wait between attempts: the delay doubles from <see cref="RecoveryDelay"/> while attempts keep failing
    /// (a full disk fails every write until space returns), so a node resumes within this long of the store answering.
    /// </summary>
    public TimeSpan MaxRecoveryDelay { get; init; } = TimeSpan.FromSeconds(8);

    /// <summary>Checks incoming consensus messages; a <see cref="MessageVerifier"/> over the genesis unless given.</summary>
    public IMessageVerifier? Verifier { get; init; }

    public IRuntimeObserver? Observer { get; init; }

    /// <summary>When an empty node joins by snapshot instead of replaying from genesis.</summary>
    public StateSync.SnapshotSyncOptions SnapshotSync { get; init; } = new();
    /// <summary>Whether the store may still be sent to peers in sync: false once a check found it damaged (the node's StorageHealth). Always, unless given.</summary>
    public Func<bool>? StoreServable { get; init; }

    /// <summary>
    /// Simulator-only fault injection (<c>aegis sim --plant-bug release-before-durable</c>): the writer lets a group's
    /// messages and acknowledgements out as soon as it has handed the group to the store, instead of once the store
    /// says it is durable. A planted bug for proving the simulator catches it; the node's configuration has no key for it.
    /// </summary>
    public bool UnsafeReleaseBeforeDurable { get; init; }

    /// <summary>
    /// Simulator-only fault injection (<c>aegis sim --plant-bug ignore-tx-index</c>): the runtime answers every tx-index
    /// lookup with "not committed", so only the replica's recent window catches repeats — how nodes behaved before the
    /// index was consulted, when a transaction could be committed a second time once its first commit was old enough.
    /// </summary>
    public bool UnsafeIgnoreTxIndex { get; init; }
}
