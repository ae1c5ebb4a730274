using System.Text.Json;
using Aegis.Chat.Rooms;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Aegis.Chat.Api;

/// <summary>The chat REST surface of the contract (shared/contracts/securechat.md); errors are the node's {"error","message"}.</summary>
public static class ChatEndpoints
{
    private const int MaxPage = 500;

    public static void MapChatApi(this IEndpointRouteBuilder app, ChatService chat)
    {
        app.MapPost("/v1/chat/rooms", (HttpContext http) => Handle(http, async ct =>
        {
            CreateRoomRequest r = await ReadAsync(http, ChatJsonContext.Default.CreateRoomRequest, ct);
            (byte[] room, ulong height) = await chat.CreateRoomAsync(r.Name, r.Members, r.Creator, r.Nonce, r.Signature, ct);
            return Results.Json(new CreateRoomResponse(Hex(room), height), ChatJsonContext.Default.CreateRoomResponse, statusCode: 201);
        }));
        app.MapGet("/v1/chat/rooms", (HttpContext http, string? member) => Handle(http, async ct =>
        {
            if (!ChatIdentity.TryParse(member, out byte[] id))
            {
                throw ChatException.Bad("member: expected a chat identity (86 base64url characters)");
            }

            List<RoomRecord> rooms = await chat.Store.RoomsOfAsync(id[..32], ct);
            return Results.Json(rooms.Select(ToJson).ToList(), ChatJsonContext.Default.ListRoomJson);
        }));
        app.MapGet("/v1/chat/rooms/{room}", (HttpContext http, string room) => Handle(http, async ct =>
            Results.Json(ToJson(await chat.RoomAsync(ChatService.ParseRoomId(room), ct)), ChatJsonContext.Default.RoomJson)));
        app.MapPut("/v1/chat/rooms/{room}/members", (HttpContext http, string room) => Handle(http, async ct =>
        {
            SetMembersRequest r = await ReadAsync(http, ChatJsonContext.Default.SetMembersRequest, ct);
            RoomRecord updated = await chat.SetMembersAsync(ChatService.ParseRoomId(room), r.Members, r.Sender, r.Signature, ct);
            return Results.Json(ToJson(updated), ChatJsonContext.Default.RoomJson);
        }));
        app.MapPost("/v1/chat/rooms/{room}/messages", (HttpContext http, string room) => Handle(http, async ct =>
        {
            PostMessageRequest r = await ReadAsync(http, ChatJsonContext.Default.PostMessageRequest, ct);
            MessageRecord m = await chat.PostMessageAsync(ChatService.ParseRoomId(room), r.Cid, r.Sender, r.Signature, ct);
            return Results.Json(new PostMessageResponse(m.Height, m.Index, m.TxIndex, Hex(m.TxHash)), ChatJsonContext.Default.PostMessageResponse, statusCode: 201);
        }));
        app.MapGet("/v1/chat/rooms/{room}/messages", (HttpContext http, string room, long? after, int? limit) => Handle(http, async ct =>
        {
            byte[] id = ChatService.ParseRoomId(room);
            await chat.RoomAsync(id, ct);
            List<MessageRecord> messages = await chat.Store.MessagesAsync(id, Math.Max(0, after ?? 0), Math.Clamp(limit ?? MaxPage, 1, MaxPage), ct);
            return Results.Json(new MessagesResponse(room.ToLowerInvariant(), messages.Select(ToJson).ToList()), ChatJsonContext.Default.MessagesResponse);
        }));
    }

    /// <summary>
    /// <c>GET /v1/events?room=ROOM</c>: one <c>message</c> event per message appended to the room, id = its index. A
    /// reconnecting client sends Last-Event-ID (or <c>after=N</c>) and first gets what it missed. Without <c>room</c>
    /// the request goes on to the node's block events.
    /// </summary>
    public static IApplicationBuilder UseChatEvents(this IApplicationBuilder app, ChatService chat) => app.Use(async (http, next) =>
    {
        if (!HttpMethods.IsGet(http.Request.Method) || http.Request.Path != "/v1/events" || !http.Request.Query.ContainsKey("room"))
        {
            await next(http);
            return;
        }

        await Handle(http, async ct =>
        {
            byte[] room = ChatService.ParseRoomId(http.Request.Query["room"].ToString());
            RoomRecord record = await chat.RoomAsync(room, ct);
            string? lastId = http.Request.Headers["Last-Event-ID"].FirstOrDefault() ?? http.Request.Query["after"].FirstOrDefault();
            long after = long.TryParse(lastId, out long a) ? Math.Max(0, a) : record.MessageCount;
            await StreamAsync(http, chat, room, after, ct);
            return Results.Empty;
        });
    });

    private static async Task StreamAsync(HttpContext http, ChatService chat, byte[] room, long after, CancellationToken ct)
    {
        using ChatHub.Subscription subscription = chat.Hub.Subscribe(room);
        http.Response.Headers.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        http.Response.Headers["X-Accel-Buffering"] = "no";
        await http.Response.WriteAsync(": connected\n\n", ct);
        await http.Response.Body.FlushAsync(ct);
        long sent = after;
        while (true)
        {
            List<MessageRecord> backlog = await chat.Store.MessagesAsync(room, sent, MaxPage, ct);
            foreach (MessageRecord m in backlog)
            {
                await SendAsync(http, m, ct);
                sent = m.Index;
            }

            if (backlog.Count < MaxPage)
            {
                break;
            }
        }

        using var heartbeat = new PeriodicTimer(TimeSpan.FromSeconds(15));
        Task<bool> tick = heartbeat.WaitForNextTickAsync(ct).AsTask();
        try
        {
            while (!ct.IsCancellationRequested)
            {
                Task<bool> next = subscription.Reader.WaitToReadAsync(ct).AsTask();
                if (await Task.WhenAny(next, tick) == tick)
                {
                    await http.Response.WriteAsync(": keep-alive\n\n", ct);
                    await http.Response.Body.FlushAsync(ct);
                    tick = heartbeat.WaitForNextTickAsync(ct).AsTask();
                    await next;
                }
                else if (!await next)
                {
                    return;
                }

                while (subscription.Reader.TryRead(out MessageRecord? m))
                {
                    if (m.Index > sent)
                    {
                        await SendAsync(http, m, ct);
                        sent = m.Index;
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (InvalidOperationException)
        {
            // The subscriber fell behind and the hub closed it: end the stream, the client reconnects with Last-Event-ID.
        }
    }

    private static async Task SendAsync(HttpContext http, MessageRecord m, CancellationToken ct)
    {
        string json = JsonSerializer.Serialize(ToJson(m), ChatJsonContext.Default.MessageJson);
        await http.Response.WriteAsync($"event: message\nid: {m.Index}\ndata: {json}\n\n", ct);
        await http.Response.Body.FlushAsync(ct);
    }

    private static async Task<T> ReadAsync<T>(HttpContext http, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, CancellationToken ct)
    {
        try
        {
            return await JsonSerializer.DeserializeAsync(http.Request.Body, type, ct) ?? throw ChatException.Bad("body: expected a JSON object");
        }
        catch (JsonException ex)
        {
            throw ChatException.Bad($"body is not valid JSON: {ex.Message}");
        }
    }

    private static async Task Handle(HttpContext http, Func<CancellationToken, Task<IResult>> work)
    {
        IResult result;
        try
        {
            result = await work(http.RequestAborted);
        }
        catch (ChatException ex)
        {
            result = Results.Json(new ChatError(ex.Code, ex.Message), ChatJsonContext.Default.ChatError, statusCode: ex.Status);
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            return;
        }

        if (!http.Response.HasStarted)
        {
            await result.ExecuteAsync(http);
        }
    }

    private static RoomJson ToJson(RoomRecord r) =>
        new(Hex(r.RoomId), r.Name, ChatIdentity.Format(r.Creator), r.Members.Select(m => ChatIdentity.Format(m)).ToList(), r.Height, r.MessageCount);

    private static MessageJson ToJson(MessageRecord m) =>
        new(m.Index, m.Height, m.TxIndex, Hex(m.TxHash), m.Cid, ChatIdentity.Format(m.Sender), Convert.ToBase64String(m.Signature), m.TimestampMs);

    private static string Hex(byte[] bytes) => Convert.ToHexString(bytes).ToLowerInvariant();
}
