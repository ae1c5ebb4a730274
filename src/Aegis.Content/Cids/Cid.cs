using SimpleBase;

namespace Aegis.Content.Cids;

/// <summary>
/// A content identifier (multiformats CID): version 0 is a bare sha2-256 multihash of a dag-pb block, printed in
/// base58btc ("Qm…"); version 1 is varint(1) ‖ varint(codec) ‖ multihash, printed in base32 lower case ("b…") as Kubo
/// prints it. Blocks are stored under their multihash, so the v0 and v1 forms of one block name the same bytes.
/// </summary>
public sealed class Cid : IEquatable<Cid>
{
    /// <summary>Long enough for any multihash this store accepts (128-byte digest) plus the CID prefix.</summary>
    public const int MaxBytes = 160;

    private readonly byte[] _bytes;
    private string? _text;

    private Cid(int version, ulong codec, byte[] multihash, byte[] bytes)
    {
        Version = version;
        Codec = codec;
        Multihash = multihash;
        _bytes = bytes;
    }

    public int Version { get; }

    public ulong Codec { get; }

    public byte[] Multihash { get; }

    public ReadOnlySpan<byte> Bytes => _bytes;

    public byte[] ToBytes() => (byte[])_bytes.Clone();

    public static Cid V0(byte[] multihash) => new(0, Multicodec.DagPb, multihash, multihash);

    public static Cid V1(ulong codec, byte[] multihash)
    {
        var bytes = new byte[1 + Varint.Size(codec) + multihash.Length];
        int n = Varint.Write(bytes, 1);
        n += Varint.Write(bytes.AsSpan(n), codec);
        multihash.CopyTo(bytes.AsSpan(n));
        return new Cid(1, codec, multihash, bytes);
    }

    /// <summary>The CID of <paramref name="block"/> under the given version and codec (sha2-256, as Kubo's default).</summary>
    public static Cid Of(ReadOnlySpan<byte> block, int version, ulong codec)
    {
        byte[] mh = Cids.Multihash.Sha256(block);
        return version == 0 ? V0(mh) : V1(codec, mh);
    }

    public Cid ToV1() => Version == 1 ? this : V1(Codec, Multihash);

    /// <summary>Parses the binary form; false (with a reason) when it is not one CID.</summary>
    public static bool TryFromBytes(ReadOnlySpan<byte> bytes, out Cid? cid, out string? problem)
    {
        cid = null;
        problem = null;
        if (bytes.Length is 0 or > MaxBytes)
        {
            problem = $"a CID is 1 to {MaxBytes} bytes, got {bytes.Length}";
            return false;
        }

        if (bytes.Length == Cids.Multihash.Sha256Size && bytes[0] == Multicodec.Sha256 && bytes[1] == 32)
        {
            cid = V0(bytes.ToArray());
            return true;
        }

        if (!Varint.TryRead(bytes, out ulong version, out int a) || version != 1)
        {
            problem = "unsupported CID version (expected a CIDv0 multihash or version 1)";
            return false;
        }

        if (!Varint.TryRead(bytes[a..], out ulong codec, out int b))
        {
            problem = "malformed codec varint";
            return false;
        }

        ReadOnlySpan<byte> mh = bytes[(a + b)..];
        if (Cids.Multihash.Measure(mh, out _) != mh.Length)
        {
            problem = "malformed multihash";
            return false;
        }

        cid = new Cid(1, codec, mh.ToArray(), bytes.ToArray());
        return true;
    }

    /// <summary>Parses the text form Kubo accepts: CIDv0 base58btc, or multibase 'b' (base32), 'B', 'z' (base58btc), 'f' (base16).</summary>
    public static bool TryParse(string? text, out Cid? cid, out string? problem)
    {
        cid = null;
        problem = null;
        if (string.IsNullOrEmpty(text) || text.Length > 2 * MaxBytes + 1)
        {
            problem = "expected a CID";
            return false;
        }

        byte[] bytes;
        try
        {
            if (text.Length == 46 && text.StartsWith("Qm", StringComparison.Ordinal))
            {
                bytes = Base58.Bitcoin.Decode(text);
                if (bytes.Length != Cids.Multihash.Sha256Size || bytes[0] != Multicodec.Sha256 || bytes[1] != 32)
                {
                    problem = "not a CIDv0 (expected a sha2-256 multihash)";
                    return false;
                }

                cid = V0(bytes);
                cid._text = text;
                return true;
            }

            bytes = Multibase.Decode(text);
        }
        catch (FormatException ex)
        {
            problem = ex.Message;
            return false;
        }
        catch (ArgumentException ex)
        {
            problem = ex.Message;
            return false;
        }

        if (bytes.Length > 0 && bytes[0] == Multicodec.Sha256)
        {
            problem = "a CIDv0 must be written in base58btc";
            return false;
        }

        return TryFromBytes(bytes, out cid, out problem);
    }

    public static Cid Parse(string text) =>
        TryParse(text, out Cid? cid, out string? problem) ? cid! : throw new FormatException($"invalid CID '{text}': {problem}");

    public override string ToString() =>
        _text ??= Version == 0 ? Base58.Bitcoin.Encode(_bytes) : Multibase.EncodeBase32(_bytes);

    public bool Equals(Cid? other) => other is not null && _bytes.AsSpan().SequenceEqual(other._bytes);

    public override bool Equals(object? obj) => obj is Cid other && Equals(other);

    public override int GetHashCode()
    {
        var h = new HashCode();
        h.AddBytes(_bytes);
        return h.ToHashCode();
    }
}
