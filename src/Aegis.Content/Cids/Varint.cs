namespace Aegis.Content.Cids;

/// <summary>Unsigned LEB128 as multiformats and protobuf use it; at most 9 bytes (63 bits), as the multiformats spec bounds it.</summary>
public static class Varint
{
    public const int MaxBytes = 9;

    public static int Size(ulong value)
    {
        int n = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            n++;
        }

        return n;
    }

    public static int Write(Span<byte> destination, ulong value)
    {
        int i = 0;
        while (value >= 0x80)
        {
            destination[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        destination[i++] = (byte)value;
        return i;
    }

    /// <summary>Reads one varint; false when the input ends early, is longer than <see cref="MaxBytes"/> or is not minimal.</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out ulong value, out int consumed)
    {
        value = 0;
        consumed = 0;
        for (int i = 0; i < source.Length && i < MaxBytes; i++)
        {
            byte b = source[i];
            value |= (ulong)(b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0)
            {
                // A trailing zero byte after a continuation would give a second encoding of the same number.
                if (b == 0 && i > 0)
                {
                    return false;
                }

                consumed = i + 1;
                return true;
            }
        }

        return false;
    }
}
