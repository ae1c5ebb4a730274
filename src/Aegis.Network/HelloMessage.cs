using Aegis.Core.Encoding;

namespace Aegis.Network;

/// <summary>
/// The plaintext opening message, sent by both sides at once:
/// magic "AEGS" ‖ u16 version ‖ string8 chain id ‖ 65-byte uncompressed ephemeral P-256 key ‖ 32 random bytes.
/// Fields are checked in that order, and the version before anything after it, so a later version may change the rest.
/// </summary>
internal sealed record HelloMessage(ushort Version, string ChainId, byte[] EphemeralKey, byte[] Random)
{
    public const int EphemeralKeySize = 65;
    public const int RandomSize = 32;

    public static ReadOnlySpan<byte> Magic => "AEGS"u8;

    public byte[] Encode()
    {
        var w = new CanonicalWriter(128 + ChainId.Length);
        w.WriteFixed(Magic);
        w.WriteU16(Version);
        w.WriteString8(ChainId);
        w.WriteFixed(EphemeralKey);
        w.WriteFixed(Random);
        return w.ToArray();
    }

    /// <summary>Decodes and checks a peer's HELLO against ours; throws <see cref="HandshakeError"/> naming the mismatch.</summary>
    public static HelloMessage Decode(ReadOnlySpan<byte> bytes, ushort supportedVersion, string chainId)
    {
        if (bytes.Length < Magic.Length || !bytes[..Magic.Length].SequenceEqual(Magic))
        {
            string start = Convert.ToHexString(bytes[..Math.Min(bytes.Length, Magic.Length)]);
            throw new HandshakeError(HandshakeFailure.BadMagic, $"not an AEGIS peer: HELLO starts with 0x{start}, expected the magic 'AEGS'");
        }

        try
        {
            var r = new CanonicalReader(bytes[Magic.Length..]);
            ushort version = r.ReadU16("hello.version");
            if (version != supportedVersion)
            {
                throw new HandshakeError(HandshakeFailure.UnsupportedVersion, $"peer speaks protocol version {version}; this node supports version {supportedVersion} only");
            }

            string theirChain = r.ReadString8("hello.chain_id");
            if (!string.Equals(theirChain, chainId, StringComparison.Ordinal))
            {
                throw new HandshakeError(HandshakeFailure.ChainMismatch, $"peer is on chain '{Printable(theirChain)}', this node is on chain '{chainId}'");
            }

            byte[] key = r.ReadFixed(EphemeralKeySize, "hello.ephemeral_key").ToArray();
            if (key[0] != 0x04)
            {
                throw new HandshakeError(HandshakeFailure.MalformedMessage, $"hello.ephemeral_key: expected an uncompressed P-256 point (first byte 0x04), got 0x{key[0]:X2}");
            }

            byte[] random = r.ReadFixed(RandomSize, "hello.random").ToArray();
            r.EnsureEnd("hello");
            return new HelloMessage(version, theirChain, key, random);
        }
        catch (FormatException ex)
        {
            throw new HandshakeError(HandshakeFailure.MalformedMessage, $"malformed HELLO: {ex.Message}", ex);
        }
    }

    /// <summary>Peer-supplied text goes into logs: control characters are replaced so it cannot forge log lines.</summary>
    internal static string Printable(string text) =>
        string.Create(text.Length, text, (span, s) =>
        {
            for (int i = 0; i < s.Length; i++)
            {
                span[i] = char.IsControl(s[i]) ? '?' : s[i];
            }
        });
}
