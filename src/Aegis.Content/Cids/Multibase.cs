using System.Buffers.Text;
using SimpleBase;

namespace Aegis.Content.Cids;

/// <summary>The multibase prefixes Kubo prints and accepts for CIDs and pubsub topics.</summary>
public static class Multibase
{
    public static string EncodeBase32(ReadOnlySpan<byte> bytes) =>
        "b" + Base32.Rfc4648.Encode(bytes, padding: false).ToLowerInvariant();

    /// <summary>'u' base64url without padding: how Kubo's pubsub API writes topics and payloads.</summary>
    public static string EncodeBase64Url(ReadOnlySpan<byte> bytes) =>
        "u" + Base64Url.EncodeToString(bytes);

    /// <exception cref="FormatException">unknown prefix or bad digits.</exception>
    public static byte[] Decode(string text)
    {
        if (text.Length < 2)
        {
            throw new FormatException("multibase string too short");
        }

        string body = text[1..];
        return text[0] switch
        {
            'b' => Base32.Rfc4648.Decode(body.ToUpperInvariant()).ToArray(),
            'B' => Base32.Rfc4648.Decode(body).ToArray(),
            'z' => Base58.Bitcoin.Decode(body).ToArray(),
            'f' or 'F' => Convert.FromHexString(body),
            'u' => Base64Url.DecodeFromChars(body),
            'm' => Convert.FromBase64String(Pad(body)),
            _ => throw new FormatException($"unsupported multibase prefix '{text[0]}'"),
        };
    }

    private static string Pad(string s) => s.Length % 4 == 0 ? s : s + new string('=', 4 - (s.Length % 4));
}
