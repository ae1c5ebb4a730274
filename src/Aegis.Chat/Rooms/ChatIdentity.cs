namespace Aegis.Chat.Rooms;

/// <summary>
/// A member's public identity: Ed25519 signing key (32 bytes) ‖ X25519 key-agreement key (32 bytes), written as 86
/// characters of unpadded base64url. The ledger checks signatures with the first half; clients encrypt to the second.
/// </summary>
public static class ChatIdentity
{
    public const int Size = 64;

    public static string Format(ReadOnlySpan<byte> identity) =>
        Convert.ToBase64String(identity).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static bool TryParse(string? text, out byte[] identity)
    {
        identity = [];
        if (text is null || text.Length != 86)
        {
            return false;
        }

        try
        {
            identity = Convert.FromBase64String(text.Replace('-', '+').Replace('_', '/') + "==");
            return identity.Length == Size;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    public static ReadOnlySpan<byte> SigningKey(ReadOnlySpan<byte> identity) => identity[..32];
}
