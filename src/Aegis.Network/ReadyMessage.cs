using System.Text.Unicode;
using Aegis.Core.Encoding;

namespace Aegis.Network;

/// <summary>
/// The last, sealed handshake message. Empty means READY. Non-empty is a refusal carrying a string8 reason, so a node
/// that is turned away learns why instead of seeing a bare disconnect.
/// </summary>
internal static class ReadyMessage
{
    public static byte[] Ready => [];

    public static byte[] Refusal(string reason)
    {
        // string8 holds 255 bytes of UTF-8; a longer reason is cut, never allowed to fail the refusal itself.
        // The transcoder stops at the last whole character that fits, so the cut never splits one.
        Span<byte> text = stackalloc byte[byte.MaxValue];
        Utf8.FromUtf16(reason, text, out _, out int written);
        var w = new CanonicalWriter(written + 1);
        w.WriteBytes8(text[..written]);
        return w.ToArray();
    }

    /// <summary>Returns normally for READY; throws <see cref="HandshakeError"/> with the peer's reason for a refusal.</summary>
    public static void Check(ReadOnlySpan<byte> message)
    {
        if (message.IsEmpty)
        {
            return;
        }

        string reason;
        try
        {
            var r = new CanonicalReader(message);
            reason = r.ReadString8("refusal.reason");
            r.EnsureEnd("refusal");
        }
        catch (FormatException ex)
        {
            throw new HandshakeError(HandshakeFailure.MalformedMessage, $"malformed READY: {ex.Message}", ex);
        }

        throw new HandshakeError(HandshakeFailure.RefusedByPeer, $"the peer refused this node: {HelloMessage.Printable(reason)}");
    }
}
