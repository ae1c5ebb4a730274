namespace Aegis.Mesh.Session;

/// <summary>
/// Sliding-window replay protection for one receive key (the bitmap scheme of RFC 6479): counters up to
/// <see cref="Size"/> behind the highest one seen are accepted once each, older ones never. UDP reorders, so a strict
/// "greater than the last" rule would drop good packets; 2048 covers the reordering of a busy multi-queue path.
/// Not thread-safe: the session serializes callers.
/// </summary>
public sealed class ReplayWindow
{
    public const int Size = 2048 - 64;
    private const int Words = 2048 / 64;

    private readonly ulong[] _bits = new ulong[Words];
    private ulong _highest;
    private bool _any;

    /// <summary>True when <paramref name="counter"/> would be accepted (checked before decrypting, so junk costs nothing).</summary>
    public bool CanAccept(ulong counter)
    {
        if (!_any || counter > _highest)
        {
            return true;
        }

        if (_highest - counter >= Size)
        {
            return false;
        }

        return (_bits[(int)((counter >> 6) % Words)] & (1UL << (int)(counter & 63))) == 0;
    }

    /// <summary>Records an authenticated counter; false (and no change) when it was already seen or is too old.</summary>
    public bool Accept(ulong counter)
    {
        if (!CanAccept(counter))
        {
            return false;
        }

        if (!_any || counter > _highest)
        {
            ulong oldWord = _any ? _highest >> 6 : (counter >> 6) - 1;
            ulong newWord = counter >> 6;
            // Clear the words the window slid over; never more than the whole ring.
            ulong steps = Math.Min(newWord - oldWord, Words);
            for (ulong i = 1; i <= steps; i++)
            {
                _bits[(int)((oldWord + i) % Words)] = 0;
            }

            _highest = counter;
            _any = true;
        }

        _bits[(int)((counter >> 6) % Words)] |= 1UL << (int)(counter & 63);
        return true;
    }
}
