using Aegis.Core.Crypto;
using Aegis.Storage;

namespace Aegis.Node.Runtime;

/// <summary>
/// Clients waiting for transactions to commit, by hash. Several requests may wait for one hash and share its
/// completion; an entry lives only while someone waits, so a request that times out or is refused leaves nothing
/// behind (otherwise every refused or timed-out waiter for a transaction that never commits would stay forever).
/// </summary>
internal sealed class CommitWaiters
{
    private readonly Dictionary<Hash32, Entry> _entries = [];
    private readonly Lock _lock = new();

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>Waits for <paramref name="hash"/> until <see cref="Complete"/> or <paramref name="ct"/>; the caller must <see cref="Release"/> the returned entry.</summary>
    /// <summary>Completes when <paramref name="hash"/> is committed and durable in <paramref name="store"/>.</summary>
    public async Task<CommitInfo> WaitAsync(INodeStore store, Hash32 hash, CancellationToken ct)
    {
        TaskCompletionSource<CommitInfo> waiter = Add(hash);
        try
        {
            // The commit may have landed before we registered: then everyone waiting for it hears now.
            if (await store.GetTxAsync(hash, ct) is { } location)
            {
                Complete(hash, location.Height, location.BlockHash);
            }

            return await waiter.Task.WaitHereAsync(ct);
        }
        finally
        {
            Release(hash, waiter);
        }
    }

    public TaskCompletionSource<CommitInfo> Add(Hash32 hash)
    {
        lock (_lock)
        {
            if (!_entries.TryGetValue(hash, out Entry? entry))
            {
                entry = new Entry();
                _entries[hash] = entry;
            }

            entry.Waiting++;
            return entry.Completion;
        }
    }

    /// <summary>One waiter is done with <paramref name="completion"/>; the entry goes when the last one is.</summary>
    public void Release(Hash32 hash, TaskCompletionSource<CommitInfo> completion)
    {
        lock (_lock)
        {
            if (_entries.TryGetValue(hash, out Entry? entry) && entry.Completion == completion && --entry.Waiting == 0)
            {
                _entries.Remove(hash);
            }
        }
    }

    /// <summary>Answers everyone waiting for <paramref name="hash"/> (called for every committed transaction, so nothing is allocated when no one waits).</summary>
    public void Complete(Hash32 hash, ulong height, Hash32 blockHash)
    {
        Entry? entry;
        lock (_lock)
        {
            if (!_entries.Remove(hash, out entry))
            {
                return;
            }
        }

        entry.Completion.TrySetResult(new CommitInfo(hash, height, blockHash));
    }

    /// <summary>Shutdown: every waiter sees its wait cancelled.</summary>
    public void CancelAll()
    {
        Entry[] all;
        lock (_lock)
        {
            all = [.. _entries.Values];
            _entries.Clear();
        }

        foreach (Entry entry in all)
        {
            entry.Completion.TrySetCanceled();
        }
    }

    private sealed class Entry
    {
        public TaskCompletionSource<CommitInfo> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Waiting { get; set; }
    }
}
