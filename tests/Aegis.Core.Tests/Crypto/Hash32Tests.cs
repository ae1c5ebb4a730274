using Aegis.Core.Crypto;

namespace Aegis.Core.Tests.Crypto;

public class Hash32Tests
{
    private const string AbcSha256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    [Fact]
    public void Compute_is_SHA256_and_formats_as_lowercase_hex()
    {
        Hash32 hash = Hash32.Compute("abc"u8);
        Assert.Equal(AbcSha256, hash.ToString());
        Assert.Equal("ba7816bf", hash.ToShortString());
        Assert.Equal(Convert.FromHexString(AbcSha256), hash.ToArray());
        Assert.Equal(hash, new Hash32(hash.ToArray()));
    }

    [Fact]
    public void Parse_accepts_either_case_and_round_trips()
    {
        Assert.Equal(Hash32.Compute("abc"u8), Hash32.Parse(AbcSha256));
        Assert.Equal(Hash32.Compute("abc"u8), Hash32.Parse(AbcSha256.ToUpperInvariant()));
        Assert.True(Hash32.TryParse(AbcSha256, out Hash32 parsed));
        Assert.Equal(AbcSha256, parsed.ToString());
    }

    [Fact]
    public void Bad_text_is_refused()
    {
        Assert.Contains("64 hex characters, got 62", Assert.Throws<FormatException>(() => Hash32.Parse(AbcSha256[2..])).Message);
        Assert.Throws<FormatException>(() => Hash32.Parse("zz" + AbcSha256[2..]));
        Assert.Throws<ArgumentNullException>(() => Hash32.Parse(null!));
        Assert.Throws<ArgumentException>(() => new Hash32(new byte[31]));

        Assert.False(Hash32.TryParse(null, out _));
        Assert.False(Hash32.TryParse(AbcSha256 + "00", out _));
        Assert.False(Hash32.TryParse("zz" + AbcSha256[2..], out Hash32 failed));
        Assert.Equal(Hash32.Zero, failed);
    }

    [Fact]
    public void Zero_is_the_default_and_all_zero_bytes()
    {
        Assert.True(Hash32.Zero.IsZero);
        Assert.Equal(default, Hash32.Zero);
        Assert.Equal(new string('0', 64), Hash32.Zero.ToString());
        Assert.False(Hash32.Compute([]).IsZero);
    }

    [Fact]
    public void Order_is_the_byte_order_of_the_digest()
    {
        // Sorted hashes must sort the same on every node and in every store: lexicographic over the big-endian bytes.
        List<Hash32> hashes = [.. Enumerable.Range(0, 200).Select(i => Hash32.Compute(BitConverter.GetBytes(i)))];
        List<Hash32> byHash = [.. hashes.Order()];
        List<Hash32> byBytes = [.. hashes.OrderBy(h => h.ToString(), StringComparer.Ordinal)];
        Assert.Equal(byBytes, byHash);

        Hash32 low = Hash32.Parse("00" + new string('f', 62));
        Hash32 high = Hash32.Parse("01" + new string('0', 62));
        Assert.True(low < high);
        Assert.True(high > low);
        Hash32 lowAgain = Hash32.Parse(low.ToString());
        Assert.True(low <= lowAgain);
        Assert.True(low >= lowAgain);
        Assert.Equal(0, low.CompareTo(lowAgain));
    }

    [Fact]
    public void Equality_and_hash_code_agree()
    {
        Hash32 a = Hash32.Compute("x"u8);
        Hash32 b = Hash32.Parse(a.ToString());
        Assert.True(a == b);
        Assert.False(a != b);
        Assert.True(a.Equals((object)b));
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, Hash32.Compute("y"u8));
    }
}
