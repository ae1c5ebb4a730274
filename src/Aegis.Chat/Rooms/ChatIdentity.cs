using System.Buffers.Text;

namespace Aegis.Chat.Rooms;

/// <summary>
/// A member's public identity: Ed25519 signing key (32 bytes) ‖ X25519 key-agreement key (32 bytes), written as 86
/// characters of unpadded base64url. The ledger checks signatures with the first half; clients encrypt to the second.
/// </summary>
public static class ChatIdentity
{
    public const int Size = 64;

    public static string Format(ReadOnlySpan<byte> identity) =>
        Base64Url.EncodeToString(identity);

    public static bool TryParse(string? text, out byte[] identity)
    {
        identity = [];
        if (text is not { Length: 86 } || !Base64Url.IsValid(text, out int length) || length != Size)
        {
            return false;
        }

        identity = Base64Url.DecodeFromChars(text);
        return true;
    }

    public static ReadOnlySpan<byte> SigningKey(ReadOnlySpan<byte> identity) => identity[..32];
}
