using System.Text.Json.Serialization;

namespace Aegis.Chat.Api;

public sealed record CreateRoomRequest(string? Name, List<string>? Members, string? Creator, string? Nonce, string? Signature);

public sealed record CreateRoomResponse(string RoomId, ulong Height);

public sealed record SetMembersRequest(List<string>? Members, string? Sender, string? Signature);

public sealed record PostMessageRequest(string? Cid, string? Sender, string? Signature);

public sealed record PostMessageResponse(ulong Height, long Index, int TxIndex, string TxHash);

public sealed record RoomJson(string RoomId, string Name, string Creator, List<string> Members, ulong Height, long Messages);

public sealed record MessageJson(long Index, ulong Height, int TxIndex, string TxHash, string Cid, string Sender, string Signature, long TimestampMs);

public sealed record MessagesResponse(string RoomId, List<MessageJson> Messages);

public sealed record ChatError(string Error, string Message);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(CreateRoomRequest))]
[JsonSerializable(typeof(CreateRoomResponse))]
[JsonSerializable(typeof(SetMembersRequest))]
[JsonSerializable(typeof(PostMessageRequest))]
[JsonSerializable(typeof(PostMessageResponse))]
[JsonSerializable(typeof(RoomJson))]
[JsonSerializable(typeof(List<RoomJson>))]
[JsonSerializable(typeof(MessageJson))]
[JsonSerializable(typeof(MessagesResponse))]
[JsonSerializable(typeof(ChatError))]
public sealed partial class ChatJsonContext : JsonSerializerContext;
