using System.Threading.Channels;
using Aegis.Core.Consensus;
using Aegis.Core.Crypto;
using Aegis.Core.State.Commitment;
using Aegis.Storage;
using Aegis.Storage.StateNodes;

namespace Aegis.Node.Runtime;

// One life of consensus between (re)starts: the replica rebuilt from the store, its loop, writer and ticker.
public sealed partial class NodeRuntime
{
    // Bounded so a disk slower than consensus pushes back on the loop instead of queueing without limit.
    private const int MaxQueuedBatches = 256;

    /// <summary>What one batch of replica outputs asks for, in the order the host must honour.</summary>
    private sealed class Effects
    {
        /// <summary>Position in the session's order of batches; a batch is released only once it and every one before it is durable.</summary>
        public long Seq { get; set; }

        public List<ConsensusRecordEntry> Persist { get; } = [];

        /// <summary>Consensus messages: they leave only after this batch (and every batch before it) is durable.</summary>
        public List<ReplicaOutput> Sends { get; } = [];

        /// <summary>Blocks executed in this batch, written together (group commit) before anything is sent or acknowledged.</summary>
        public List<BlockWrite> Blocks { get; } = [];

        public ulong TruncateBelow { get; set; }

        /// <summary>State tree nodes stale since a version up to this are deleted with this batch (see <see cref="Session.StableCheckpoint"/>).</summary>
        public ulong PruneStateNodesUpTo { get; set; }

        /// <summary>The replica's state at the end of the batch, published once the batch is durable.</summary>
        public ReplicaStatus? Status { get; set; }

        public bool IsEmpty => Persist.Count == 0 && Sends.Count == 0 && Blocks.Count == 0 && TruncateBelow == 0 && PruneStateNodesUpTo == 0 && Status is null;
    }

    private sealed class Session : IDisposable
    {
        private ulong _writtenHeight;
        private long _durableSeq;
        private TaskCompletionSource _written = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private Exception? _fault;

        public Session(Replica replica, ChainTip tip, int maxUnwrittenHeights, ITreeNodeReader storedTree, CancellationToken runtimeStopping)
        {
            Replica = replica;
            Sync = new SyncPipeline(replica.Index);
            ExecutedHeight = tip.Height;
            ExecutedHash = tip.Height == 0 ? default : tip.BlockHash;
            StateRoot = tip.Height == 0 ? Core.State.BlockExecutor.GenesisStateRoot : tip.StateRoot;
            _writtenHeight = tip.Height;
            MaxUnwrittenHeights = (ulong)maxUnwrittenHeights;
            Tree = new UnwrittenTreeNodes(storedTree);
            Stop = CancellationTokenSource.CreateLinkedTokenSource(runtimeStopping);
        }

        public Replica Replica { get; }

        public CancellationTokenSource Stop { get; }

        public Channel<NodeInput> Inbox { get; } = Channel.CreateBounded<NodeInput>(new BoundedChannelOptions(65_536) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

        public Channel<Effects> Writes { get; } = Channel.CreateBounded<Effects>(new BoundedChannelOptions(MaxQueuedBatches) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });

        /// <summary>
        /// How far the writer may fall behind the replica's tip. Half the dedup horizon: a tx-index answer read at the
        /// written height then always reaches the replica's recent window (see <c>TxHistory</c>), so the index and the
        /// window together know exactly which transactions the chain holds.
        /// </summary>
        public ulong MaxUnwrittenHeights { get; }

        // ---- loop-owned ----

        /// <summary>The batch being stepped; handed to the writer at the end of the batch (or earlier, when the writer must catch up).</summary>
        public Effects Pending { get; set; } = new();

        public long NextSeq { get; set; }

        /// <summary>Block sync's requests in flight and answers waiting above the tip.</summary>
        public SyncPipeline Sync { get; }

        /// <summary>While a sync chunk executes: the store's applied transactions among the chunk's (see <c>PrefetchAppliedAsync</c>).</summary>
        public PrefetchedApplied? Prefetched { get; set; }

        public ReplicaStatus? LastStatus { get; set; }

        public ulong ExecutedHeight { get; set; }

        public Hash32 ExecutedHash { get; set; }

        public Hash32 StateRoot { get; set; }

        /// <summary>
        /// The last stable checkpoint this session saw (0 before the first). The state tree is pruned to the one before
        /// it, minus the pipeline depth: the trees of every header from there to the tip stay readable (a proof at the
        /// tip's header, snapshot chunks at the last two stable checkpoints' headers).
        /// </summary>
        public ulong StableCheckpoint { get; set; }

        /// <summary>Transactions applied by executed blocks the writer has not stored yet, so executing the next block sees exactly what the blocks below it applied.</summary>
        public HashSet<Hash32> AppliedUnwritten { get; } = [];

        public Queue<(ulong Height, List<Hash32> Applied)> UnwrittenBlocks { get; } = new();

        /// <summary>The state tree under <see cref="StateRoot"/>: the store's nodes, with those of executed-but-unwritten blocks in front.</summary>
        public UnwrittenTreeNodes Tree { get; }

        // ---- written by the writer, read by the loop and by readers ----

        /// <summary>Highest block the writer has made durable.</summary>
        public ulong WrittenHeight => Volatile.Read(ref _writtenHeight);

        /// <summary>Highest batch the writer has made durable (the persist-before-send assertion checks it).</summary>
        public long DurableSeq => Volatile.Read(ref _durableSeq);

        /// <summary>Completes at the writer's next durable group (take it before checking the condition you wait for).</summary>
        public Task WrittenSignal => Volatile.Read(ref _written).Task;

        public Exception? Fault => Volatile.Read(ref _fault);

        /// <summary>Whether a write of this session reached the store: a session that ends without one leaves the store as failing as before.</summary>
        public bool Stored { get; set; }

        public void MarkWritten(ulong height) => Volatile.Write(ref _writtenHeight, height);

        public void MarkDurable(long seq)
        {
            Volatile.Write(ref _durableSeq, seq);
            Interlocked.Exchange(ref _written, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }

        /// <summary>The first failure ends the session: loop, writer and ticker all stop.</summary>
        public void Fail(Exception ex)
        {
            Interlocked.CompareExchange(ref _fault, ex, null);
            Stop.Cancel();
        }

        public void Dispose() => Stop.Dispose();
    }
}
