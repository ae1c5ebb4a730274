namespace Aegis.Content.Pinning;

/// <summary>
/// Kubo's GC lock: imports and pin changes hold it shared while they write blocks that nothing pins yet; garbage
/// collection holds it exclusively, so it never deletes the blocks of an add that has not pinned its root.
/// </summary>
internal sealed class GcLock : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly SemaphoreSlim _noReaders = new(1, 1);
    private int _readers;

    public async Task<IDisposable> SharedAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (Interlocked.Increment(ref _readers) == 1)
            {
                await _noReaders.WaitAsync(ct).ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }

        return new Release(() =>
        {
            if (Interlocked.Decrement(ref _readers) == 0)
            {
                _noReaders.Release();
            }
        });
    }

    public async Task<IDisposable> ExclusiveAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            await _noReaders.WaitAsync(ct).ConfigureAwait(false);
        }
        catch
        {
            _gate.Release();
            throw;
        }

        return new Release(() =>
        {
            _noReaders.Release();
            _gate.Release();
        });
    }

    public void Dispose()
    {
        _gate.Dispose();
        _noReaders.Dispose();
    }

    private sealed class Release(Action action) : IDisposable
    {
        private Action? _action = action;

        public void Dispose() => Interlocked.Exchange(ref _action, null)?.Invoke();
    }
}
