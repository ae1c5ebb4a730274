namespace Aegis.Chat.Rooms;

/// <summary>A refused chat request: HTTP status, error code and a sentence naming the field.</summary>
public sealed class ChatException(int status, string code, string message) : Exception(message)
{
    public int Status { get; } = status;

    public string Code { get; } = code;

    public static ChatException Bad(string message) => new(400, "bad_request", message);
}
