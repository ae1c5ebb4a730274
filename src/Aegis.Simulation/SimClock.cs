namespace Aegis.Simulation;

/// <summary>
/// Simulated time for the production host (<see cref="TimeProvider"/>): its clock reads, timers, delays, periodic
/// ticks and timeouts all run on the world's <see cref="SimScheduler"/>, so a second of simulated time costs only the
/// work that happens in it.
/// </summary>
public sealed class SimClock(SimScheduler scheduler, DateTimeOffset start) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => start + scheduler.Elapsed;

    public override long GetTimestamp() => scheduler.Now;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new SimTimer(scheduler, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    private sealed class SimTimer(SimScheduler scheduler, TimerCallback callback, object? state) : ITimer
    {
        private long _version;
        private TimeSpan _period = Timeout.InfiniteTimeSpan;
        private bool _disposed;

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            if (_disposed)
            {
                return false;
            }

            long version = ++_version;
            _period = period;
            if (dueTime != Timeout.InfiniteTimeSpan)
            {
                scheduler.At(dueTime, () => Fire(version));
            }

            return true;
        }

        public void Dispose()
        {
            _disposed = true;
            _version++;
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }

        private void Fire(long version)
        {
            if (_disposed || version != _version)
            {
                return;
            }

            if (_period != Timeout.InfiniteTimeSpan && _period > TimeSpan.Zero)
            {
                scheduler.At(_period, () => Fire(version));
            }

            callback(state);
        }
    }
}
