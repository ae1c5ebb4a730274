using System.Security.Cryptography;

namespace Aegis.Content.Cids;

/// <summary>A multihash: varint code, varint digest length, digest. Only sha2-256 (and identity, for peer ids) are produced.</summary>
public static class Multihash
{
    public const int Sha256Size = 2 + 32;

    public static byte[] Sha256(ReadOnlySpan<byte> data)
    {
        var mh = new byte[Sha256Size];
        mh[0] = (byte)Multicodec.Sha256;
        mh[1] = 32;
        SHA256.HashData(data, mh.AsSpan(2));
        return mh;
    }

    public static byte[] Identity(ReadOnlySpan<byte> data)
    {
        var mh = new byte[Varint.Size(Multicodec.Identity) + Varint.Size((ulong)data.Length) + data.Length];
        int n = Varint.Write(mh, Multicodec.Identity);
        n += Varint.Write(mh.AsSpan(n), (ulong)data.Length);
        data.CopyTo(mh.AsSpan(n));
        return mh;
    }

    /// <summary>Length of the multihash at the start of <paramref name="source"/>, or -1 when it is malformed.</summary>
    public static int Measure(ReadOnlySpan<byte> source, out ulong code)
    {
        code = 0;
        if (!Varint.TryRead(source, out code, out int a) || !Varint.TryRead(source[a..], out ulong length, out int b))
        {
            return -1;
        }

        if (length > 128 || (ulong)(source.Length - a - b) < length)
        {
            return -1;
        }

        return a + b + (int)length;
    }

    /// <summary>True when <paramref name="multihash"/> is the sha2-256 multihash of <paramref name="data"/> (identity hashes compare the bytes).</summary>
    public static bool Matches(ReadOnlySpan<byte> multihash, ReadOnlySpan<byte> data)
    {
        if (Measure(multihash, out ulong code) != multihash.Length)
        {
            return false;
        }

        if (code == Multicodec.Sha256)
        {
            Span<byte> digest = stackalloc byte[32];
            SHA256.HashData(data, digest);
            return multihash.Length == Sha256Size && multihash[2..].SequenceEqual(digest);
        }

        return code == Multicodec.Identity && multihash[(multihash.Length - data.Length)..].SequenceEqual(data) && Identity(data).AsSpan().SequenceEqual(multihash);
    }
}
