using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Aegis.Chat.Rooms;
using Aegis.Core.Crypto;
using Aegis.Core.Ledger;

namespace Aegis.Chat.Client;

/// <summary>A decrypted message: text, the sender's clock, attachments (each with its own key).</summary>
public sealed record ChatPayload(string Text, long Ts, IReadOnlyList<ChatAttachment> Attachments);

public sealed record ChatAttachment(string Cid, string Key, string Nonce, string Name, string Type, long Size);

/// <summary>
/// The aegis-chat/v1 message protocol, byte for byte what wwwroot/chat/crypto.js does: a fresh 256-bit message key
/// encrypts the payload (AES-256-GCM, AAD binds room, sender and ephemeral key); the key is wrapped for each member
/// under HKDF-SHA-256(X25519(ephemeral, member), salt = room, info = "aegis-chat/v1/wrap" ‖ eph ‖ member); the sender
/// signs room, sender, eph, nonce, SHA-256(ct) and every wrapped key with Ed25519. Attachments are AES-256-GCM under
/// their own random keys, which travel inside the encrypted payload.
/// </summary>
public static class MessageCrypto
{
    private static readonly byte[] FileAad = "aegis-chat/v1/file"u8.ToArray();

    /// <summary>Base64 as is (no \u002B for '+'), as JSON.stringify writes it in the browser.</summary>
    private static readonly JsonSerializerOptions Compact = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static byte[] Seal(ChatKeys me, string roomHex, IReadOnlyList<byte[]> members, ChatPayload payload)
    {
        byte[] room = Convert.FromHexString(roomHex);
        byte[] ephScalar = RandomNumberGenerator.GetBytes(32);
        var ephPub = new byte[32];
        Org.BouncyCastle.Math.EC.Rfc7748.X25519.GeneratePublicKey(ephScalar, 0, ephPub, 0);
        byte[] k = RandomNumberGenerator.GetBytes(32);
        byte[] nonce = RandomNumberGenerator.GetBytes(12);
        byte[] plain = System.Text.Encoding.UTF8.GetBytes(PayloadJson(payload));
        byte[] ct = Encrypt(k, nonce, plain, [.. "aegis-chat/v1/ct"u8, .. room, .. me.Identity, .. ephPub]);
        var keys = new JsonArray();
        var wrapped = new List<(byte[] To, byte[] N, byte[] W)>();
        foreach (byte[] m in members)
        {
            byte[] to = m[32..64];
            byte[] wk = WrapKey(ChatKeys.Agree(ephScalar, to), room, ephPub, to);
            byte[] n = RandomNumberGenerator.GetBytes(12);
            byte[] w = Encrypt(wk, n, k, me.Identity);
            wrapped.Add((to, n, w));
            keys.Add(new JsonObject { ["to"] = B64(to), ["n"] = B64(n), ["w"] = B64(w) });
        }

        byte[] sig = me.Sign(SignBytes(room, me.Identity, ephPub, nonce, ct, wrapped));
        var o = new JsonObject
        {
            ["v"] = 1, ["room"] = roomHex, ["sender"] = me.IdentityText, ["eph"] = B64(ephPub), ["nonce"] = B64(nonce), ["ct"] = B64(ct), ["keys"] = keys, ["sig"] = B64(sig),
        };
        return System.Text.Encoding.UTF8.GetBytes(o.ToJsonString(Compact));
    }

    /// <exception cref="CryptographicException">the message does not verify or decrypt; the message says which check failed.</exception>
    public static ChatPayload Open(ChatKeys me, string roomHex, byte[] bytes, byte[] ledgerSender)
    {
        JsonObject o;
        try
        {
            o = JsonNode.Parse(bytes)?.AsObject() ?? throw new CryptographicException("not a SecureChat ciphertext");
        }
        catch (JsonException)
        {
            throw new CryptographicException("not a SecureChat ciphertext");
        }

        if ((int?)o["v"] != 1 || (string?)o["room"] != roomHex)
        {
            throw new CryptographicException("ciphertext is for another room or protocol version");
        }

        if (!ChatIdentity.TryParse((string?)o["sender"], out byte[] sender) || !sender.AsSpan().SequenceEqual(ledgerSender))
        {
            throw new CryptographicException("the ciphertext names another sender than the ledger");
        }

        byte[] room = Convert.FromHexString(roomHex);
        byte[] eph = Field(o, "eph");
        byte[] nonce = Field(o, "nonce");
        byte[] ct = Field(o, "ct");
        var wrapped = (o["keys"]?.AsArray() ?? []).Select(x => (To: Field(x!.AsObject(), "to"), N: Field(x!.AsObject(), "n"), W: Field(x!.AsObject(), "w"))).ToList();
        PublicKey senderKey = PublicKey.FromBytes(KeyAlgorithm.Ed25519, sender.AsSpan(0, 32));
        if (!senderKey.Verify(SignBytes(room, sender, eph, nonce, ct, wrapped), Field(o, "sig")))
        {
            throw new CryptographicException("the sender's signature does not verify");
        }

        byte[] myX = me.Identity[32..64];
        (byte[] To, byte[] N, byte[] W) mine = wrapped.FirstOrDefault(w => w.To.AsSpan().SequenceEqual(myX));
        if (mine.To is null)
        {
            throw new CryptographicException("not encrypted for this member");
        }

        byte[] k = Decrypt(WrapKey(me.Agree(eph), room, eph, myX), mine.N, mine.W, sender, "the message key does not decrypt (tampered or not for us)");
        byte[] plain = Decrypt(k, nonce, ct, [.. "aegis-chat/v1/ct"u8, .. room, .. sender, .. eph], "the ciphertext fails authentication (tampered)");
        return ParsePayload(plain);
    }

    public static (byte[] Ciphertext, string Key, string Nonce) SealFile(byte[] content)
    {
        byte[] key = RandomNumberGenerator.GetBytes(32);
        byte[] nonce = RandomNumberGenerator.GetBytes(12);
        return (Encrypt(key, nonce, content, FileAad), B64(key), B64(nonce));
    }

    public static byte[] OpenFile(byte[] ciphertext, string key, string nonce) =>
        Decrypt(Convert.FromBase64String(key), Convert.FromBase64String(nonce), ciphertext, FileAad, "the attachment fails authentication (tampered)");

    /// <summary>What the sender signs for the ledger when appending the message with this CID (see <see cref="ChatEnvelope.SignBytes"/>).</summary>
    public static byte[] AppendSignature(ChatKeys me, string roomHex, byte[] cidBytes) =>
        me.Sign(ChatEnvelope.SignBytes(ChatKind.Message, Convert.FromHexString(roomHex), me.Identity.AsSpan(0, 32), cidBytes));

    private static byte[] SignBytes(byte[] room, byte[] sender, byte[] eph, byte[] nonce, byte[] ct, List<(byte[] To, byte[] N, byte[] W)> keys)
    {
        var bytes = new List<byte>();
        bytes.AddRange("aegis-chat/v1/msg"u8.ToArray());
        bytes.AddRange(room);
        bytes.AddRange(sender);
        bytes.AddRange(eph);
        bytes.AddRange(nonce);
        bytes.AddRange(SHA256.HashData(ct));
        foreach ((byte[] to, byte[] n, byte[] w) in keys)
        {
            bytes.AddRange(to);
            bytes.AddRange(n);
            bytes.AddRange(w);
        }

        return [.. bytes];
    }

    private static byte[] WrapKey(byte[] shared, byte[] room, byte[] eph, byte[] to) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, shared, 32, room, [.. "aegis-chat/v1/wrap"u8, .. eph, .. to]);

    /// <summary>AES-256-GCM in WebCrypto's layout: ciphertext ‖ 16-byte tag.</summary>
    private static byte[] Encrypt(byte[] key, byte[] nonce, byte[] plain, byte[] aad)
    {
        var output = new byte[plain.Length + 16];
        using var gcm = new AesGcm(key, 16);
        gcm.Encrypt(nonce, plain, output.AsSpan(0, plain.Length), output.AsSpan(plain.Length), aad);
        return output;
    }

    private static byte[] Decrypt(byte[] key, byte[] nonce, byte[] sealedBytes, byte[] aad, string failure)
    {
        if (sealedBytes.Length < 16 || nonce.Length != 12)
        {
            throw new CryptographicException(failure);
        }

        var plain = new byte[sealedBytes.Length - 16];
        using var gcm = new AesGcm(key, 16);
        try
        {
            gcm.Decrypt(nonce, sealedBytes.AsSpan(0, plain.Length), sealedBytes.AsSpan(plain.Length), plain, aad);
        }
        catch (AuthenticationTagMismatchException)
        {
            throw new CryptographicException(failure);
        }

        return plain;
    }

    private static string PayloadJson(ChatPayload p)
    {
        var attachments = new JsonArray();
        foreach (ChatAttachment a in p.Attachments)
        {
            attachments.Add(new JsonObject { ["cid"] = a.Cid, ["key"] = a.Key, ["nonce"] = a.Nonce, ["name"] = a.Name, ["type"] = a.Type, ["size"] = a.Size });
        }

        return new JsonObject { ["text"] = p.Text, ["ts"] = p.Ts, ["attachments"] = attachments }.ToJsonString();
    }

    private static ChatPayload ParsePayload(byte[] plain)
    {
        JsonObject o = JsonNode.Parse(plain)!.AsObject();
        var attachments = (o["attachments"]?.AsArray() ?? []).Select(a => new ChatAttachment(
            (string?)a!["cid"] ?? "", (string?)a["key"] ?? "", (string?)a["nonce"] ?? "", (string?)a["name"] ?? "", (string?)a["type"] ?? "", (long?)a["size"] ?? 0)).ToList();
        return new ChatPayload((string?)o["text"] ?? "", (long?)o["ts"] ?? 0, attachments);
    }

    private static byte[] Field(JsonObject o, string name)
    {
        try
        {
            return Convert.FromBase64String((string?)o[name] ?? throw new CryptographicException($"ciphertext field '{name}' is missing"));
        }
        catch (FormatException)
        {
            throw new CryptographicException($"ciphertext field '{name}' is not base64");
        }
    }

    private static string B64(byte[] bytes) => Convert.ToBase64String(bytes);
}
