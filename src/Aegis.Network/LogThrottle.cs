namespace Aegis.Network;

/// <summary>
/// At most one line per key per interval: the first occurrence is written at once, the rest of the interval only
/// counted, and the next line written carries that count. Keys are a small fixed range (an enum's values), never
/// anything a peer chooses, so the state is bounded. A flood of refused connections thus costs a few lines a minute.
/// </summary>
internal sealed class LogThrottle
{
    private readonly Slot[] _slots;
    private readonly long _intervalTicks;
    private readonly TimeProvider _time;

    public LogThrottle(int keys, TimeSpan interval, TimeProvider? time = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(keys, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        _time = time ?? TimeProvider.System;
        _slots = [.. Enumerable.Range(0, keys).Select(_ => new Slot())];
        _intervalTicks = (long)(interval.TotalSeconds * _time.TimestampFrequency);
        Interval = interval;
    }

    public TimeSpan Interval { get; }

    /// <summary>For an enum's values as keys.</summary>
    public static LogThrottle For<TKey>(TimeSpan interval, TimeProvider? time = null)
        where TKey : struct, Enum => new(Enum.GetValues<TKey>().Length, interval, time);

    /// <summary>Whether to write this occurrence of <paramref name="key"/>; if so, <paramref name="suppressed"/> is how many were not written since the last line.</summary>
    public bool ShouldLog(int key, out long suppressed)
    {
        Slot slot = _slots[key];
        long now = _time.GetTimestamp();
        long next = Volatile.Read(ref slot.NextAllowed);
        if (now >= next && Interlocked.CompareExchange(ref slot.NextAllowed, now + _intervalTicks, next) == next)
        {
            suppressed = Interlocked.Exchange(ref slot.Suppressed, 0);
            return true;
        }

        Interlocked.Increment(ref slot.Suppressed);
        suppressed = 0;
        return false;
    }

    private sealed class Slot
    {
        public long NextAllowed = long.MinValue;
        public long Suppressed;
    }
}
