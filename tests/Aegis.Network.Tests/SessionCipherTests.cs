using System.Security.Cryptography;

namespace Aegis.Network.Tests;

/// <summary>The per-direction AEAD: counter nonces make replays, reordering and tampering fail, and the counter never wraps.</summary>
public sealed class SessionCipherTests
{
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(SessionCipher.KeySize);

    [Fact]
    public void Frames_open_in_place_in_the_order_they_were_sealed()
    {
        using var send = new SessionCipher(_key);
        using var receive = new SessionCipher(_key);
        for (int i = 0; i < 3; i++)
        {
            byte[] frame = Seal(send, [(byte)i, 42]);
            Assert.Equal(2, receive.OpenInPlace(frame));
            Assert.Equal([(byte)i, 42], frame[..2]);
        }
    }

    [Fact]
    public void A_replayed_frame_fails_authentication()
    {
        using var send = new SessionCipher(_key);
        using var receive = new SessionCipher(_key);
        byte[] frame = Seal(send, "vote"u8.ToArray());
        byte[] replay = (byte[])frame.Clone();
        receive.OpenInPlace(frame);

        PeerProtocolException ex = Assert.Throws<PeerProtocolException>(() => receive.OpenInPlace(replay));
        Assert.Equal("sealed frame #1 failed authentication: it was tampered with, reordered, replayed or truncated", ex.Message);
    }

    [Fact]
    public void Reordered_or_tampered_frames_fail_authentication()
    {
        using var send = new SessionCipher(_key);
        using var receive = new SessionCipher(_key);
        byte[] first = Seal(send, [1]);
        byte[] second = Seal(send, [2]);
        Assert.Throws<PeerProtocolException>(() => receive.OpenInPlace(second));

        using var fresh = new SessionCipher(_key);
        first[^1] ^= 0x80;
        Assert.Throws<PeerProtocolException>(() => fresh.OpenInPlace(first));
        Assert.Contains("shorter than its 16-byte tag", Assert.Throws<PeerProtocolException>(() => fresh.OpenInPlace(new byte[15])).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_nonce_counter_refuses_to_wrap()
    {
        using var send = new SessionCipher(_key, firstCounter: ulong.MaxValue - 1);
        Seal(send, [1]);
        Assert.Equal(ulong.MaxValue, send.NextCounter);
        Assert.Contains("nonce counter is exhausted", Assert.Throws<PeerProtocolException>(() => Seal(send, [2])).Message, StringComparison.Ordinal);
    }

    private static byte[] Seal(SessionCipher cipher, byte[] plaintext)
    {
        byte[] frame = new byte[plaintext.Length + SessionCipher.TagSize];
        cipher.Seal(plaintext, frame);
        return frame;
    }
}
