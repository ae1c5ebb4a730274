using System.Security.Cryptography;
using System.Text;
using Aegis.Chat.Client;

namespace Aegis.Chat.Tests;

/// <summary>The aegis-chat/v1 protocol's guarantees, each shown failing when it should (C# side; the browser tests cover the JS side).</summary>
public sealed class MessageCryptoTests
{
    private const string Room = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    private readonly ChatKeys _alice = ChatKeys.Generate();
    private readonly ChatKeys _bob = ChatKeys.Generate();
    private readonly ChatKeys _eve = ChatKeys.Generate();

    private byte[] Sealed() => MessageCrypto.Seal(_alice, Room, [_alice.Identity, _bob.Identity], new ChatPayload("meet at noon", 1, []));

    [Fact]
    public void Every_member_decrypts_and_the_ciphertext_holds_no_plaintext()
    {
        byte[] ciphertext = Sealed();
        Assert.Equal("meet at noon", MessageCrypto.Open(_bob, Room, ciphertext, _alice.Identity).Text);
        Assert.Equal("meet at noon", MessageCrypto.Open(_alice, Room, ciphertext, _alice.Identity).Text);
        Assert.DoesNotContain("meet at noon", Encoding.UTF8.GetString(ciphertext), StringComparison.Ordinal);
    }

    [Fact]
    public void A_non_member_cannot_decrypt()
    {
        CryptographicException ex = Assert.Throws<CryptographicException>(() => MessageCrypto.Open(_eve, Room, Sealed(), _alice.Identity));
        Assert.Equal("not encrypted for this member", ex.Message);
    }

    [Fact]
    public void A_flipped_ciphertext_byte_is_refused_by_the_sender_signature()
    {
        var o = System.Text.Json.Nodes.JsonNode.Parse(Sealed())!.AsObject();
        byte[] ct = Convert.FromBase64String((string)o["ct"]!);
        ct[3] ^= 1;
        o["ct"] = Convert.ToBase64String(ct);
        CryptographicException ex = Assert.Throws<CryptographicException>(() => MessageCrypto.Open(_bob, Room, Encoding.UTF8.GetBytes(o.ToJsonString()), _alice.Identity));
        Assert.Equal("the sender's signature does not verify", ex.Message);
    }

    [Fact]
    public void A_message_attributed_to_someone_else_by_the_ledger_is_refused()
    {
        CryptographicException ex = Assert.Throws<CryptographicException>(() => MessageCrypto.Open(_bob, Room, Sealed(), _eve.Identity));
        Assert.Contains("another sender", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_message_replayed_into_another_room_is_refused()
    {
        string other = Room.Replace('0', 'f');
        Assert.Throws<CryptographicException>(() => MessageCrypto.Open(_bob, other, Sealed(), _alice.Identity));
    }

    [Fact]
    public void Attachments_decrypt_under_their_own_key_and_refuse_tampering()
    {
        byte[] file = RandomNumberGenerator.GetBytes(5000);
        (byte[] ct, string key, string nonce) = MessageCrypto.SealFile(file);
        Assert.Equal(file, MessageCrypto.OpenFile(ct, key, nonce));
        ct[100] ^= 1;
        Assert.Throws<CryptographicException>(() => MessageCrypto.OpenFile(ct, key, nonce));
    }

    [Fact]
    public void Safety_numbers_agree_on_both_sides_and_differ_per_pair()
    {
        Assert.Equal(SafetyNumbers.SafetyNumber(_alice.Identity, _bob.Identity), SafetyNumbers.SafetyNumber(_bob.Identity, _alice.Identity));
        Assert.NotEqual(SafetyNumbers.SafetyNumber(_alice.Identity, _bob.Identity), SafetyNumbers.SafetyNumber(_alice.Identity, _eve.Identity));
        Assert.Matches(@"^(\d{5} ){5}\d{5}$", SafetyNumbers.Fingerprint(_alice.Identity));
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public void Key_files_round_trip_with_mode_0600()
    {
        string path = Path.Combine(Path.GetTempPath(), "aegis-chat-key-" + Guid.NewGuid().ToString("N"));
        try
        {
            _alice.Write(path, overwrite: false);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            Assert.Equal(_alice.IdentityText, ChatKeys.Read(path).IdentityText);
            Assert.Throws<IOException>(() => _alice.Write(path, overwrite: false));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
