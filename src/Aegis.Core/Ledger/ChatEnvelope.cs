using System.Security.Cryptography;
using Aegis.Core.Crypto;
using Aegis.Core.Encoding;

namespace Aegis.Core.Ledger;

/// <summary>What a SecureChat transaction carries: room creation, a new member list, or one message.</summary>
public enum ChatKind : byte
{
    CreateRoom = 1,
    SetMembers = 2,
    Message = 3,
}

/// <summary>
/// A SecureChat operation signed by its sender's Ed25519 key: the value of a <see cref="TxOp.Chat"/> transaction whose
/// key is the room id. The executor checks what one transaction can prove (the signature, and for a new room that its
/// id is the hash of creator and body, so ids cannot be squatted); who may post to a room is decided in ledger
/// order by the room projection, which every node computes alike from the same blocks.
/// <para>
/// Encoding (canonical codec): version u8 = 1 ‖ kind u8 ‖ sender 32 ‖ body bytes32 ‖ signature 64. Sign bytes:
/// "AEGIS/chat/v1" ‖ kind ‖ room id (32) ‖ sender (32) ‖ body — every part but the last has a fixed size, so the
/// concatenation is unambiguous, and a browser builds it without a codec library.
/// </para>
/// </summary>
public sealed record ChatEnvelope(ChatKind Kind, byte[] Sender, byte[] Body, byte[] Signature)
{
    public const int RoomIdSize = 32;
    public const int KeySize = 32;
    public const int SignatureSize = 64;
    private const byte Version = 1;

    private static readonly byte[] SignDomain = "AEGIS/chat/v1"u8.ToArray();
    private static readonly byte[] RoomDomain = "AEGIS/chat/room"u8.ToArray();

    /// <summary>The largest body that fits a transaction value with the envelope's fixed fields.</summary>
    public const int MaxBodyBytes = LedgerLimits.MaxValueBytes - 2 - KeySize - 4 - SignatureSize;

    public static byte[] SignBytes(ChatKind kind, ReadOnlySpan<byte> room, ReadOnlySpan<byte> sender, ReadOnlySpan<byte> body)
    {
        var bytes = new byte[SignDomain.Length + 1 + RoomIdSize + KeySize + body.Length];
        SignDomain.CopyTo(bytes, 0);
        int n = SignDomain.Length;
        bytes[n++] = (byte)kind;
        room.CopyTo(bytes.AsSpan(n));
        n += RoomIdSize;
        sender.CopyTo(bytes.AsSpan(n));
        n += KeySize;
        body.CopyTo(bytes.AsSpan(n));
        return bytes;
    }

    /// <summary>A room's id: SHA-256("AEGIS/chat/room" ‖ creator ‖ create body).</summary>
    public static byte[] RoomId(ReadOnlySpan<byte> creator, ReadOnlySpan<byte> createBody)
    {
        var input = new byte[RoomDomain.Length + creator.Length + createBody.Length];
        RoomDomain.CopyTo(input, 0);
        creator.CopyTo(input.AsSpan(RoomDomain.Length));
        createBody.CopyTo(input.AsSpan(RoomDomain.Length + creator.Length));
        return SHA256.HashData(input);
    }

    public byte[] Encode()
    {
        var w = new CanonicalWriter(2 + KeySize + 4 + Body.Length + SignatureSize);
        w.WriteU8(Version);
        w.WriteU8((byte)Kind);
        w.WriteFixed(Sender);
        w.WriteBytes32(Body);
        w.WriteFixed(Signature);
        return w.ToArray();
    }

    /// <exception cref="CodecException">not an envelope (names the field).</exception>
    public static ChatEnvelope Decode(ReadOnlySpan<byte> value)
    {
        var r = new CanonicalReader(value);
        r.ReadVersion(Version, "chat.version");

        byte kind = r.ReadU8("chat.kind");
        if (kind is < 1 or > 3)
        {
            throw new CodecException($"chat.kind: expected 1 to 3, got {kind}");
        }

        byte[] sender = r.ReadFixed(KeySize, "chat.sender").ToArray();
        byte[] body = r.ReadBytes32("chat.body", MaxBodyBytes).ToArray();
        byte[] signature = r.ReadFixed(SignatureSize, "chat.signature").ToArray();
        r.EnsureEnd("chat envelope");
        return new ChatEnvelope((ChatKind)kind, sender, body, signature);
    }

    /// <summary>Decodes and checks a chat transaction; null when valid, otherwise why not. Pure and deterministic.</summary>
    public static string? Check(ReadOnlySpan<byte> room, ReadOnlySpan<byte> value, out ChatEnvelope? envelope)
    {
        envelope = null;
        try
        {
            envelope = Decode(value);
        }
        catch (CodecException ex)
        {
            return ex.Message;
        }

        if (envelope.Kind == ChatKind.CreateRoom && !RoomId(envelope.Sender, envelope.Body).AsSpan().SequenceEqual(room))
        {
            return "chat.room: a new room's id must be the hash of its creator and body";
        }

        PublicKey sender;
        try
        {
            sender = PublicKey.FromBytes(KeyAlgorithm.Ed25519, envelope.Sender);
        }
        catch (FormatException ex)
        {
            return $"chat.sender: {ex.Message}";
        }

        return sender.Verify(SignBytes(envelope.Kind, room, envelope.Sender, envelope.Body), envelope.Signature)
            ? null
            : "chat.signature: does not verify under the sender's key";
    }
}
