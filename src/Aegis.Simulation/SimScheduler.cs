namespace Aegis.Simulation;

/// <summary>
/// One simulated world's executor and clock. Every continuation, timer and message delivery of the world runs on the
/// thread that calls <see cref="Run"/>, in an order fixed by the seed: ready work first-in first-out, then simulated
/// time jumps to the next timer. It is the world's <see cref="SynchronizationContext"/>, so the production host's awaits
/// resume here instead of on the thread pool; anything posted from another thread is counted as an escape (a source of
/// nondeterminism the run then reports).
/// </summary>
public sealed class SimScheduler : SynchronizationContext
{
    private readonly Queue<(SendOrPostCallback Callback, object? State)> _ready = new();
    private readonly PriorityQueue<Action, (long Due, long Seq)> _timed = new();
    private readonly Lock _lock = new();
    private long _seq;
    private int _thread = -1;

    /// <summary>Simulated time since the world began, in <see cref="TimeSpan"/> ticks.</summary>
    public long Now { get; private set; }

    public TimeSpan Elapsed => TimeSpan.FromTicks(Now);

    /// <summary>Work posted from another thread than the world's: each one made the run's order depend on the OS.</summary>
    public int Escapes { get; private set; }

    /// <summary>Work items and timers run so far (a measure of how busy the world was).</summary>
    public long Steps { get; private set; }

    public override void Post(SendOrPostCallback d, object? state)
    {
        lock (_lock)
        {
            if (_thread != -1 && Environment.CurrentManagedThreadId != _thread)
            {
                Escapes++;
            }

            _ready.Enqueue((d, state));
        }
    }

    public override void Send(SendOrPostCallback d, object? state)
    {
        if (Environment.CurrentManagedThreadId != _thread)
        {
            throw new InvalidOperationException("synchronous Send into a simulated world from another thread");
        }

        d(state);
    }

    public override SynchronizationContext CreateCopy() => this;

    /// <summary>Runs <paramref name="action"/> at <see cref="Now"/> + <paramref name="delay"/> (after everything already due then).</summary>
    public void At(TimeSpan delay, Action action)
    {
        lock (_lock)
        {
            _timed.Enqueue(action, (Now + Math.Max(0, delay.Ticks), _seq++));
        }
    }

    /// <summary>Runs <paramref name="action"/> as ready work, after what is ready now.</summary>
    public void Post(Action action) => Post(static s => ((Action)s!)(), action);

    /// <summary>
    /// Runs the world until <paramref name="done"/> holds (checked whenever no work is ready) or simulated time would
    /// pass <paramref name="until"/>. Everything due at one instant fires before the work it makes ready runs, so
    /// messages arriving together reach a node's loop as one batch, as they would on a busy machine.
    /// </summary>
    public void Run(TimeSpan until, Func<bool> done)
    {
        if (_thread != -1)
        {
            throw new InvalidOperationException("the world is already running: Run was called from inside it");
        }

        SynchronizationContext? previous = Current;
        SetSynchronizationContext(this);
        _thread = Environment.CurrentManagedThreadId;
        try
        {
            while (true)
            {
                Drain();
                if (done())
                {
                    return;
                }

                Action? next;
                long due;
                lock (_lock)
                {
                    if (!_timed.TryPeek(out next, out (long Due, long Seq) at) || at.Due > until.Ticks)
                    {
                        Now = Math.Max(Now, until.Ticks);
                        return;
                    }

                    due = at.Due;
                    Now = due;
                }

                while (true)
                {
                    lock (_lock)
                    {
                        if (!_timed.TryPeek(out next, out (long Due, long Seq) at) || at.Due != due)
                        {
                            break;
                        }

                        _timed.Dequeue();
                    }

                    Steps++;
                    next();
                }
            }
        }
        finally
        {
            _thread = -1;
            SetSynchronizationContext(previous);
        }
    }

    private void Drain()
    {
        while (true)
        {
            (SendOrPostCallback Callback, object? State) item;
            lock (_lock)
            {
                if (!_ready.TryDequeue(out item))
                {
                    return;
                }
            }

            Steps++;
            item.Callback(item.State);
        }
    }
}
