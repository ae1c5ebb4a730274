using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Aegis.Chat.Api;
using Aegis.Chat.Rooms;
using Aegis.Content.Cids;
using Aegis.Core.Crypto;
using Aegis.Core.Ledger;

namespace Aegis.Chat.Client;

/// <summary>A chat message as a member reads it: verified and decrypted, or why it was refused.</summary>
public sealed record ReadMessage(long Index, ulong Height, string Sender, ChatPayload? Payload, string? Problem);

/// <summary>
/// The CLI's SecureChat client, speaking the same protocol as the web UI: ciphertext to /ipfs-api (CIDv1, raw
/// leaves), signed appends to /v1/chat, and reads that check the ledger signature, the block's hash, the sender's
/// signature and the AEAD before a message counts.
/// </summary>
public sealed class ChatClient(HttpClient http, string baseUrl, ChatKeys keys)
{
    private readonly string _base = baseUrl.TrimEnd('/');

    public async Task<string> AddAsync(byte[] bytes, CancellationToken ct)
    {
        using var form = new MultipartFormDataContent();
        var part = new ByteArrayContent(bytes);
        form.Add(part, "file", "blob");
        using HttpResponseMessage r = await http.PostAsync($"{_base}/ipfs-api/api/v0/add?cid-version=1&pin=true", form, ct);
        string text = await r.Content.ReadAsStringAsync(ct);
        if (!r.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"add failed: {(int)r.StatusCode} {text}");
        }

        using JsonDocument doc = JsonDocument.Parse(text.Trim().Split('\n')[^1]);
        return doc.RootElement.GetProperty("Hash").GetString()!;
    }

    public async Task<byte[]> CatAsync(string cid, CancellationToken ct)
    {
        using HttpResponseMessage r = await http.PostAsync($"{_base}/ipfs-api/api/v0/cat?arg={Uri.EscapeDataString(cid)}", null, ct);
        byte[] body = await r.Content.ReadAsByteArrayAsync(ct);
        return r.IsSuccessStatusCode ? body : throw new HttpRequestException($"cat {cid} failed: {(int)r.StatusCode} {System.Text.Encoding.UTF8.GetString(body)}");
    }

    public async Task<string> CreateRoomAsync(string name, IReadOnlyList<string> members, CancellationToken ct)
    {
        var list = new List<byte[]> { keys.Identity };
        foreach (string m in members)
        {
            byte[] id = ChatIdentity.TryParse(m, out byte[] parsed) ? parsed : throw new FormatException($"--member: '{m}' is not a chat identity (86 base64url characters)");
            if (!list.Any(x => x.AsSpan(0, 32).SequenceEqual(id.AsSpan(0, 32))))
            {
                list.Add(id);
            }
        }

        byte[] nonce = RandomNumberGenerator.GetBytes(RoomBodies.NonceSize);
        byte[] body = RoomBodies.CreateRoom(name, list, nonce);
        byte[] room = ChatEnvelope.RoomId(keys.Identity.AsSpan(0, 32), body);
        byte[] sig = keys.Sign(ChatEnvelope.SignBytes(ChatKind.CreateRoom, room, keys.Identity.AsSpan(0, 32), body));
        var request = new CreateRoomRequest(name, list.Skip(1).Select(m => ChatIdentity.Format(m)).ToList(), keys.IdentityText, Convert.ToBase64String(nonce), Convert.ToBase64String(sig));
        CreateRoomResponse created = await SendAsync(HttpMethod.Post, "/v1/chat/rooms", JsonContent.Create(request, ChatJsonContext.Default.CreateRoomRequest), ChatJsonContext.Default.CreateRoomResponse, ct);
        return created.RoomId;
    }

    public Task<RoomJson> RoomAsync(string room, CancellationToken ct) => SendAsync(HttpMethod.Get, $"/v1/chat/rooms/{room}", null, ChatJsonContext.Default.RoomJson, ct);

    /// <summary>Encrypts text (and a file) for the room's members, stores the ciphertext, appends it through the ledger.</summary>
    public async Task<PostMessageResponse> SendAsync(string room, string text, string? file, CancellationToken ct)
    {
        RoomJson info = await RoomAsync(room, ct);
        var attachments = new List<ChatAttachment>();
        if (file is not null)
        {
            byte[] content = await File.ReadAllBytesAsync(file, ct);
            (byte[] sealedFile, string key, string nonce) = MessageCrypto.SealFile(content);
            attachments.Add(new ChatAttachment(await AddAsync(sealedFile, ct), key, nonce, Path.GetFileName(file), "application/octet-stream", content.Length));
        }

        var members = info.Members.Select(m => ChatIdentity.TryParse(m, out byte[] id) ? id : throw new FormatException("room member is not an identity")).ToList();
        byte[] ciphertext = MessageCrypto.Seal(keys, room, members, new ChatPayload(text, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), attachments));
        string cid = await AddAsync(ciphertext, ct);
        byte[] signature = MessageCrypto.AppendSignature(keys, room, Cid.Parse(cid).ToBytes());
        var request = new PostMessageRequest(cid, keys.IdentityText, Convert.ToBase64String(signature));
        return await SendAsync(HttpMethod.Post, $"/v1/chat/rooms/{room}/messages", JsonContent.Create(request, ChatJsonContext.Default.PostMessageRequest), ChatJsonContext.Default.PostMessageResponse, ct);
    }

    /// <summary>Every message of the room in ledger order, each verified and decrypted or marked with why not.</summary>
    public async Task<List<ReadMessage>> ReadAsync(string room, CancellationToken ct)
    {
        var result = new List<ReadMessage>();
        long after = 0;
        while (true)
        {
            MessagesResponse page = await SendAsync(HttpMethod.Get, $"/v1/chat/rooms/{room}/messages?after={after}", null, ChatJsonContext.Default.MessagesResponse, ct);
            foreach (MessageJson m in page.Messages)
            {
                result.Add(await OpenAsync(room, m, ct));
                after = m.Index;
            }

            if (page.Messages.Count == 0)
            {
                return result;
            }
        }
    }

    public async Task<byte[]> OpenAttachmentAsync(ChatAttachment a, CancellationToken ct) => MessageCrypto.OpenFile(await CatAsync(a.Cid, ct), a.Key, a.Nonce);

    private async Task<ReadMessage> OpenAsync(string room, MessageJson m, CancellationToken ct)
    {
        string who = m.Sender[..8];
        try
        {
            byte[] sender = ChatIdentity.TryParse(m.Sender, out byte[] s) ? s : throw new CryptographicException("sender is not an identity");
            Cid cid = Cid.Parse(m.Cid);
            byte[] appendBytes = ChatEnvelope.SignBytes(ChatKind.Message, Convert.FromHexString(room), sender.AsSpan(0, 32), cid.ToBytes());
            if (!PublicKey.FromBytes(KeyAlgorithm.Ed25519, sender.AsSpan(0, 32)).Verify(appendBytes, Convert.FromBase64String(m.Signature)))
            {
                throw new CryptographicException("the ledger entry is not signed by its sender");
            }

            byte[] bytes = await CatAsync(m.Cid, ct);
            if (!Multihash.Matches(cid.Multihash, bytes))
            {
                throw new CryptographicException("the store returned bytes that do not match the CID");
            }

            return new ReadMessage(m.Index, m.Height, who, MessageCrypto.Open(keys, room, bytes, sender), null);
        }
        catch (Exception ex) when (ex is CryptographicException or HttpRequestException or FormatException)
        {
            return new ReadMessage(m.Index, m.Height, who, null, ex.Message);
        }
    }

    private async Task<T> SendAsync<T>(HttpMethod method, string path, HttpContent? content, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, _base + path) { Content = content };
        using HttpResponseMessage r = await http.SendAsync(request, ct);
        string text = await r.Content.ReadAsStringAsync(ct);
        if (!r.IsSuccessStatusCode)
        {
            string message = text;
            try
            {
                message = JsonSerializer.Deserialize(text, ChatJsonContext.Default.ChatError)?.Message ?? text;
            }
            catch (JsonException)
            {
            }

            throw new HttpRequestException($"{method} {path}: {(int)r.StatusCode} {message}");
        }

        return JsonSerializer.Deserialize(text, type) ?? throw new HttpRequestException($"{path}: empty answer");
    }
}
