using System.Security.Cryptography;

namespace Aegis.Chat.Client;

/// <summary>
/// Key verification as the UI shows it: 30 digits in 6 groups — SHA-256 over a domain and the identities (a pair
/// sorted by hex), each 5-byte slice read big-endian, modulo 100000. Two members compare their safety number out of
/// band; it matches only if both see the same two identities.
/// </summary>
public static class SafetyNumbers
{
    public static string Fingerprint(ReadOnlySpan<byte> identity) => Digits([.. "aegis-chat/v1/fingerprint"u8, .. identity]);

    public static string SafetyNumber(byte[] a, byte[] b)
    {
        bool aFirst = string.CompareOrdinal(Convert.ToHexString(a).ToLowerInvariant(), Convert.ToHexString(b).ToLowerInvariant()) < 0;
        return Digits([.. "aegis-chat/v1/safety"u8, .. aFirst ? a : b, .. aFirst ? b : a]);
    }

    private static string Digits(byte[] input)
    {
        byte[] hash = SHA256.HashData(input);
        var groups = new string[6];
        for (int i = 0; i < 6; i++)
        {
            ulong n = 0;
            for (int j = 0; j < 5; j++)
            {
                n = (n << 8) | hash[(i * 5) + j];
            }

            groups[i] = (n % 100000).ToString("D5", System.Globalization.CultureInfo.InvariantCulture);
        }

        return string.Join(' ', groups);
    }
}
