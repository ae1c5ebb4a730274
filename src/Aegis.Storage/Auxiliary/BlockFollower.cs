namespace Aegis.Storage.Auxiliary;

/// <summary>
/// Feeds committed blocks, in height order and each exactly once, to a projection (the content store's pin set, the
/// chat rooms) that keeps its own tables. The projection stores each block's effects together with the height it
/// reached, in one transaction, so after a crash it resumes from the block after the last one it stored, and it can
/// always be rebuilt from the chain. Woken by <see cref="Notify"/> on every commit, and by a slow poll as a backstop.
/// </summary>
public sealed class BlockFollower : IDisposable
{
    /// <summary>Blocks read per query: a block may be up to 16 MiB (LedgerLimits), so a batch stays within 64 MiB.</summary>
    private const int BatchBlocks = 4;
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(500);

    private readonly INodeStore _store;
    private readonly Func<StoredBlock, CancellationToken, Task> _apply;
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly object _waitersLock = new();
    private readonly List<(ulong Height, TaskCompletionSource Done)> _waiters = [];
    private ulong _height;

    /// <param name="startHeight">The last height the projection stored (0 for none).</param>
    /// <param name="apply">Stores one block's effects and its height atomically.</param>
    public BlockFollower(INodeStore store, ulong startHeight, Func<StoredBlock, CancellationToken, Task> apply)
    {
        _store = store;
        _height = startHeight;
        _apply = apply;
    }

    /// <summary>The last height applied.</summary>
    public ulong Height => Interlocked.Read(ref _height);

    public void Notify()
    {
        if (_wake.CurrentCount == 0)
        {
            try
            {
                _wake.Release();
            }
            catch (SemaphoreFullException)
            {
            }
        }
    }

    /// <summary>Completes once blocks up to <paramref name="height"/> are applied.</summary>
    public Task WaitForHeightAsync(ulong height, CancellationToken ct)
    {
        lock (_waitersLock)
        {
            if (Height >= height)
            {
                return Task.CompletedTask;
            }

            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((height, done));
            Notify();
            return done.Task.WaitAsync(ct);
        }
    }

    public async Task RunAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            ChainTip tip = await _store.GetTipAsync(ct).ConfigureAwait(false);
            while (Height < tip.Height)
            {
                IReadOnlyList<StoredBlock> blocks = await _store.GetBlocksAsync(Height + 1, BatchBlocks, ct).ConfigureAwait(false);
                if (blocks.Count == 0)
                {
                    break;
                }

                foreach (StoredBlock block in blocks)
                {
                    if (block.Height != Height + 1)
                    {
                        throw new InvalidOperationException($"block follower: expected height {Height + 1}, the store returned {block.Height}");
                    }

                    await _apply(block, ct).ConfigureAwait(false);
                    Interlocked.Exchange(ref _height, block.Height);
                }

                Release();
            }

            Release();
            try
            {
                await _wake.WaitAsync(Poll, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public void Dispose() => _wake.Dispose();

    private void Release()
    {
        lock (_waitersLock)
        {
            ulong h = Height;
            for (int i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Height <= h)
                {
                    _waiters[i].Done.TrySetResult();
                    _waiters.RemoveAt(i);
                }
            }
        }
    }
}
