using Aegis.Content;
using Aegis.Content.Cids;
using Aegis.Content.Ledger;
using Aegis.Core.Crypto;
using Aegis.Core.Ledger;
using Aegis.Storage;
using Aegis.Storage.Auxiliary;

namespace Aegis.Chat.Rooms;

/// <summary>
/// Chat operations on a node: each request becomes a signed chat transaction, goes through consensus, and is answered
/// once this node's room projection has applied it (so the answer says what the ledger decided, not what we hoped).
/// The node never sees plaintext or keys: clients sign and encrypt, the node checks and orders.
/// </summary>
public sealed class ChatService
{
    private static readonly TimeSpan CommitTimeout = TimeSpan.FromSeconds(20);

    private readonly ILedgerGateway _ledger;
    private readonly ContentService _content;

    public ChatService(ChatStore store, ContentService content, ILedgerGateway ledger, BlockFollower follower, ChatHub hub)
    {
        Store = store;
        _content = content;
        _ledger = ledger;
        Follower = follower;
        Hub = hub;
    }

    public ChatStore Store { get; }

    public BlockFollower Follower { get; }

    public ChatHub Hub { get; }

    /// <summary>Creates a room whose members are the creator (first) and the given identities.</summary>
    public async Task<(byte[] RoomId, ulong Height)> CreateRoomAsync(string? name, IReadOnlyList<string>? members, string? creator, string? nonce, string? signature, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(name) || System.Text.Encoding.UTF8.GetByteCount(name) > 200)
        {
            throw ChatException.Bad("name: required, at most 200 bytes");
        }

        byte[] creatorId = Identity(creator, "creator");
        var list = new List<byte[]> { creatorId };
        foreach (string m in members ?? [])
        {
            byte[] id = Identity(m, "members[]");
            if (!list.Any(x => x.AsSpan(0, 32).SequenceEqual(id.AsSpan(0, 32))))
            {
                list.Add(id);
            }
        }

        if (list.Count > RoomBodies.MaxMembers)
        {
            throw ChatException.Bad($"members: at most {RoomBodies.MaxMembers - 1} besides the creator");
        }

        byte[] nonceBytes = Base64(nonce, "nonce");
        if (nonceBytes.Length != RoomBodies.NonceSize)
        {
            throw ChatException.Bad($"nonce: expected {RoomBodies.NonceSize} bytes (base64)");
        }

        byte[] body = RoomBodies.CreateRoom(name, list, nonceBytes);
        byte[] room = ChatEnvelope.RoomId(ChatIdentity.SigningKey(creatorId), body);
        var envelope = new ChatEnvelope(ChatKind.CreateRoom, ChatIdentity.SigningKey(creatorId).ToArray(), body, Signature(signature));
        TxLocation location = await CommitAsync(room, envelope, ct).ConfigureAwait(false);
        RoomRecord created = await Store.GetRoomAsync(room, ct).ConfigureAwait(false)
            ?? throw new ChatException(409, "rejected", "the ledger did not create the room (a room with this id exists, or the creator is not its first member)");
        return (created.RoomId, location.Height);
    }

    /// <summary>Replaces a room's member list; only its creator may, and the creator stays first.</summary>
    public async Task<RoomRecord> SetMembersAsync(byte[] room, IReadOnlyList<string>? members, string? sender, string? signature, CancellationToken ct)
    {
        RoomRecord existing = await RoomAsync(room, ct).ConfigureAwait(false);
        byte[] senderId = Identity(sender, "sender");
        if (!senderId.AsSpan().SequenceEqual(existing.Creator))
        {
            throw new ChatException(403, "forbidden", "only the room's creator changes its members");
        }

        var list = new List<byte[]> { existing.Creator };
        foreach (string m in members ?? [])
        {
            byte[] id = Identity(m, "members[]");
            if (!list.Any(x => x.AsSpan(0, 32).SequenceEqual(id.AsSpan(0, 32))))
            {
                list.Add(id);
            }
        }

        var envelope = new ChatEnvelope(ChatKind.SetMembers, ChatIdentity.SigningKey(senderId).ToArray(), RoomBodies.SetMembers(list), Signature(signature));
        await CommitAsync(room, envelope, ct).ConfigureAwait(false);
        return await RoomAsync(room, ct).ConfigureAwait(false);
    }

    /// <summary>Appends a message whose ciphertext is already in the store; answers with where the ledger put it.</summary>
    public async Task<MessageRecord> PostMessageAsync(byte[] room, string? cidText, string? sender, string? signature, CancellationToken ct)
    {
        if (!Cid.TryParse(cidText, out Cid? cid, out string? problem))
        {
            throw ChatException.Bad($"cid: {problem}");
        }

        byte[] senderId = Identity(sender, "sender");
        RoomRecord existing = await RoomAsync(room, ct).ConfigureAwait(false);
        if (!existing.Members.Any(m => m.AsSpan().SequenceEqual(senderId)))
        {
            throw new ChatException(403, "forbidden", "sender: not a member of this room");
        }

        if (!await _content.Store.HasAsync(cid!, ct).ConfigureAwait(false))
        {
            throw ChatException.Bad($"cid: {cid} is not in this node's content store (add the ciphertext first)");
        }

        var envelope = new ChatEnvelope(ChatKind.Message, ChatIdentity.SigningKey(senderId).ToArray(), cid!.ToBytes(), Signature(signature));
        TxLocation location = await CommitAsync(room, envelope, ct).ConfigureAwait(false);
        byte[] hash = Transaction.Create(TxOp.Chat, room, envelope.Encode(), []).Hash.ToArray();
        return await Store.MessageByTxAsync(room, hash, ct).ConfigureAwait(false)
            ?? throw new ChatException(403, "rejected", $"the ledger ordered the message at height {location.Height} but did not append it (the sender was no longer a member)");
    }

    public async Task<RoomRecord> RoomAsync(byte[] room, CancellationToken ct) =>
        await Store.GetRoomAsync(room, ct).ConfigureAwait(false) ?? throw new ChatException(404, "not_found", $"no room {Convert.ToHexString(room).ToLowerInvariant()}");

    public static byte[] ParseRoomId(string room) =>
        room.Length == 64 && Hash32.TryParse(room, out Hash32 h) ? h.ToArray() : throw ChatException.Bad("room: expected 64 hex characters");

    private async Task<TxLocation> CommitAsync(byte[] room, ChatEnvelope envelope, CancellationToken ct)
    {
        if (ChatEnvelope.Check(room, envelope.Encode(), out _) is { } invalid)
        {
            throw ChatException.Bad(invalid.Replace("chat.", "", StringComparison.Ordinal));
        }

        Transaction tx = Transaction.Create(TxOp.Chat, room, envelope.Encode(), []);
        TxLocation? location = await _ledger.Store.GetTxAsync(tx.Hash, ct).ConfigureAwait(false);
        if (location is null)
        {
            if (await _ledger.SubmitAsync(tx, ct).ConfigureAwait(false) is { } refused)
            {
                throw new ChatException(503, "unavailable", refused);
            }

            location = await _ledger.WaitForCommitAsync(tx.Hash, CommitTimeout, ct).ConfigureAwait(false)
                ?? throw new ChatException(504, "commit_timeout", $"transaction {tx.Hash} accepted but not committed within {CommitTimeout.TotalSeconds:0}s");
        }

        using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
        wait.CancelAfter(CommitTimeout);
        await Follower.WaitForHeightAsync(location.Height, wait.Token).ConfigureAwait(false);
        return location;
    }

    private static byte[] Identity(string? text, string field) =>
        ChatIdentity.TryParse(text, out byte[] id) ? id : throw ChatException.Bad($"{field}: expected a chat identity (86 base64url characters: Ed25519 ‖ X25519 public keys)");

    private static byte[] Signature(string? text)
    {
        byte[] sig = Base64(text, "signature");
        return sig.Length == ChatEnvelope.SignatureSize ? sig : throw ChatException.Bad($"signature: expected {ChatEnvelope.SignatureSize} bytes (base64)");
    }

    private static byte[] Base64(string? text, string field)
    {
        if (string.IsNullOrEmpty(text))
        {
            throw ChatException.Bad($"{field}: required");
        }

        try
        {
            string s = text.Replace('-', '+').Replace('_', '/');
            return Convert.FromBase64String(s.Length % 4 == 0 ? s : s + new string('=', 4 - (s.Length % 4)));
        }
        catch (FormatException)
        {
            throw ChatException.Bad($"{field}: not base64");
        }
    }
}
