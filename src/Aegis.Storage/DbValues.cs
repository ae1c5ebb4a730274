using Aegis.Core.Crypto;

namespace Aegis.Storage;

/// <summary>Conversions between ledger types and the column types both engines share (64-bit signed integers, byte strings).</summary>
internal static class DbValues
{
    /// <summary>Heights are unsigned in the ledger and signed in SQL; a height past long.MaxValue is a bug, not data.</summary>
    public static long Height(ulong height) => checked((long)height);

    public static ulong Height(long stored) => checked((ulong)stored);

    public static byte[] Hash(Hash32 hash) => hash.ToArray();

    public static Hash32 Hash(byte[] stored) => new(stored);
}
