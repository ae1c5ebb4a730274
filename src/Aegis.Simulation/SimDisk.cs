using Aegis.Core.Crypto;
using Aegis.Storage;
using Aegis.Storage.Memory;

namespace Aegis.Simulation;

/// <summary>
/// One simulated validator's disk: the durable data (a <see cref="MemoryStoreData"/>, which a crash does not touch) and
/// its faults. A write group becomes durable only when its simulated fsync finishes; until then readers do not see it
/// and a crash decides its fate: lost whole, or kept whole (the fsync finished just before the process died) — never
/// half, since each group is one transaction. While the disk is failing, every write fails after its fsync time and
/// writes nothing.
/// </summary>
public sealed class SimDisk(int node, SimScheduler scheduler, SimRandom rng, FaultProfile profile, Hash32 genesisHash)
{
    private readonly List<PendingWrite> _inFlight = [];
    private int _incarnation;

    public int Node { get; } = node;

    public MemoryStoreData Data { get; private set; } = new($"node-{node}");

    /// <summary>The disk fails writes until this simulated time (ticks).</summary>
    public long FailingUntil { get; set; }

    public bool Failing => scheduler.Now < FailingUntil;

    /// <summary>The current failure is a full disk (ENOSPC, what the node reports as disk_full) rather than an I/O error.</summary>
    public bool FailsFull { get; set; }

    /// <summary>Called with every group at the moment it becomes durable (the checker audits what the disk holds).</summary>
    public Action<SimDisk, WriteGroup>? OnDurable { get; set; }

    public int GroupsWritten { get; private set; }

    public int GroupsLostInCrashes { get; private set; }

    public int GroupsKeptInCrashes { get; private set; }

    public int WritesFailed { get; private set; }

    /// <summary>A store for a new process incarnation over this disk.</summary>
    public INodeStore Open() => new FaultyStore(this, ++_incarnation, new MemoryNodeStore(Data, genesisHash));

    /// <summary>The process died now: each group in flight is kept or lost (whole), and the dead incarnation's store refuses everything.</summary>
    public void Crash()
    {
        _incarnation++;
        foreach (PendingWrite w in _inFlight.ToList())
        {
            if (rng.Chance(0.5))
            {
                // The group reached the platter just before the process died; the process never heard.
                GroupsKeptInCrashes++;
                Complete(w);
                w.Completion.TrySetException(new StorageException("the process crashed as the write group became durable"));
            }
            else
            {
                GroupsLostInCrashes++;
                _inFlight.Remove(w);
                w.Done = true;
                w.Completion.TrySetException(new StorageException("the process crashed before the write group was durable"));
            }
        }
    }

    /// <summary>The disk is replaced: everything on it is gone.</summary>
    public void Wipe()
    {
        Crash();
        Data = new MemoryStoreData($"node-{Node}-wiped");
    }

    /// <summary>
    /// The disk is replaced by an <c>aegis restore</c> of a backup taken just now: the blocks and the state stay, the
    /// consensus record (what the node signed; backups do not hold it) is gone. The node then starts above its stable
    /// checkpoint's window with nothing to remember, the case issue 10 found (Replica.AnnounceRestartCheckpoint).
    /// </summary>
    public void RestoreFromBackup()
    {
        Crash();
        INodeStore store = new MemoryNodeStore(Data, genesisHash);
        Task init = store.InitializeAsync(CancellationToken.None);
        Task truncate = init.IsCompletedSuccessfully ? store.TruncateConsensusRecordAsync(ulong.MaxValue, CancellationToken.None) : init;
        if (!truncate.IsCompletedSuccessfully)
        {
            throw new InvalidOperationException("the memory store's record truncation did not complete at once: the simulation would stop being deterministic");
        }
    }

    private TimeSpan FsyncTime()
    {
        double ms = profile.FsyncMs * (0.5 + rng.Next(1000) / 1000.0);
        if (profile.FsyncSpikeRate > 0 && rng.Chance(profile.FsyncSpikeRate))
        {
            ms += profile.MaxFsyncSpikeMs * (rng.Next(1000) / 1000.0);
        }

        return TimeSpan.FromMilliseconds(ms);
    }

    private Task Write(int incarnation, INodeStore inner, WriteGroup group)
    {
        if (incarnation != _incarnation)
        {
            return Task.FromException(new StorageException("this process is dead"));
        }

        // No RunContinuationsAsynchronously: the awaiting writer resumes through the world's context anyway.
        var w = new PendingWrite(inner, group, new TaskCompletionSource(), incarnation);
        bool fails = Failing;
        _inFlight.Add(w);
        scheduler.At(FsyncTime(), () =>
        {
            if (w.Done)
            {
                return;
            }

            if (fails || Failing)
            {
                _inFlight.Remove(w);
                w.Done = true;
                WritesFailed++;
                w.Completion.TrySetException(FailsFull
                    ? new StorageException($"simulated disk of node {Node}: no space left on device, {group.Describe()} failed, nothing was written", new IOException("No space left on device", 28))
                    : new StorageException($"simulated disk of node {Node}: I/O error, {group.Describe()} failed, nothing was written"));
                return;
            }

            Complete(w);
        });
        return w.Completion.Task;
    }

    private void Complete(PendingWrite w)
    {
        _inFlight.Remove(w);
        w.Done = true;
        try
        {
            // The memory engine is synchronous: the whole group lands at this instant, or (refused) none of it.
            w.Inner.WriteGroupAsync(w.Group, CancellationToken.None).GetAwaiter().GetResult();
        }
        catch (StorageException ex)
        {
            w.Completion.TrySetException(ex);
            return;
        }

        GroupsWritten++;
        OnDurable?.Invoke(this, w.Group);
        if (w.Incarnation == _incarnation)
        {
            w.Completion.TrySetResult();
        }
    }

    private sealed class PendingWrite(INodeStore inner, WriteGroup group, TaskCompletionSource completion, int incarnation)
    {
        public int Incarnation { get; } = incarnation;

        public INodeStore Inner { get; } = inner;

        public WriteGroup Group { get; } = group;

        public TaskCompletionSource Completion { get; } = completion;

        public bool Done { get; set; }
    }

    /// <summary>One incarnation's view of the disk: reads see what is durable; writes take their fsync time; after a crash, nothing.</summary>
    private sealed class FaultyStore(SimDisk disk, int incarnation, INodeStore inner) : INodeStore
    {
        public string Description => $"simulated disk of node {disk.Node}";

        public Task InitializeAsync(CancellationToken ct) => Alive() ?? inner.InitializeAsync(ct);

        public Aegis.Core.State.Commitment.ITreeNodeReader StateNodes => incarnation == disk._incarnation ? inner.StateNodes : throw Dead();

        public Task<ChainTip> GetTipAsync(CancellationToken ct) => Alive<ChainTip>() ?? inner.GetTipAsync(ct);

        public Task<StoredBlock?> GetBlockAsync(ulong height, CancellationToken ct) => Alive<StoredBlock?>() ?? inner.GetBlockAsync(height, ct);

        public Task<ulong> GetFirstHeightAsync(CancellationToken ct) => Alive<ulong>() ?? inner.GetFirstHeightAsync(ct);

        public Task<IReadOnlyList<StoredBlock>> GetBlocksAsync(ulong fromHeight, int maxCount, CancellationToken ct) => Alive<IReadOnlyList<StoredBlock>>() ?? inner.GetBlocksAsync(fromHeight, maxCount, ct);

        public Task<KvEntry?> GetAsync(byte[] key, CancellationToken ct) => Alive<KvEntry?>() ?? inner.GetAsync(key, ct);

        public Task<TxLocation?> GetTxAsync(Hash32 txHash, CancellationToken ct) => Alive<TxLocation?>() ?? inner.GetTxAsync(txHash, ct);

        public Task<IReadOnlySet<Hash32>> FindAppliedTxsAsync(IReadOnlyCollection<Hash32> txHashes, CancellationToken ct) => Alive<IReadOnlySet<Hash32>>() ?? inner.FindAppliedTxsAsync(txHashes, ct);

        public Task<IReadOnlyList<ConsensusRecordEntry>> ReadConsensusRecordAsync(CancellationToken ct) => Alive<IReadOnlyList<ConsensusRecordEntry>>() ?? inner.ReadConsensusRecordAsync(ct);

        public Task WriteGroupAsync(WriteGroup group, CancellationToken ct) => group.IsEmpty ? Task.CompletedTask : disk.Write(incarnation, inner, group);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;

        private Task? Alive() => incarnation == disk._incarnation ? null : Task.FromException(Dead());

        private Task<T>? Alive<T>() => incarnation == disk._incarnation ? null : Task.FromException<T>(Dead());

        private StorageException Dead() => new($"simulated disk of node {disk.Node}: this process is dead");
    }
}
