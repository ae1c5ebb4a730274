using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Aegis.Network;

/// <summary>
/// AES-256-GCM for one direction of a session. The nonce is a counter (4 zero bytes ‖ u64), so it never repeats
/// under a key, and a replayed, reordered or dropped frame fails authentication on the receiving side.
/// </summary>
internal sealed class SessionCipher : IDisposable
{
    public const int TagSize = 16;

    private readonly AesGcm _aes;
    private ulong _counter;

    public SessionCipher(byte[] key) => _aes = new AesGcm(key, TagSize);

    public byte[] Seal(ReadOnlySpan<byte> plaintext)
    {
        var output = new byte[plaintext.Length + TagSize];
        Span<byte> nonce = stackalloc byte[12];
        NextNonce(nonce);
        _aes.Encrypt(nonce, plaintext, output.AsSpan(0, plaintext.Length), output.AsSpan(plaintext.Length));
        return output;
    }

    public byte[] Open(ReadOnlySpan<byte> sealedFrame)
    {
        if (sealedFrame.Length < TagSize)
        {
            throw new PeerProtocolException($"sealed frame of {sealedFrame.Length} bytes is shorter than its tag");
        }

        var plaintext = new byte[sealedFrame.Length - TagSize];
        Span<byte> nonce = stackalloc byte[12];
        NextNonce(nonce);
        try
        {
            _aes.Decrypt(nonce, sealedFrame[..plaintext.Length], sealedFrame[plaintext.Length..], plaintext);
        }
        catch (AuthenticationTagMismatchException ex)
        {
            throw new PeerProtocolException("a sealed frame failed authentication (tampered, replayed or out of order)", ex);
        }

        return plaintext;
    }

    private void NextNonce(Span<byte> nonce)
    {
        if (_counter == ulong.MaxValue)
        {
            throw new PeerProtocolException("session nonce space exhausted; reconnect");
        }

        nonce[..4].Clear();
        BinaryPrimitives.WriteUInt64BigEndian(nonce[4..], _counter++);
    }

    public void Dispose() => _aes.Dispose();
}
