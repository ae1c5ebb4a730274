using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Aegis.Network;

/// <summary>
/// AES-256-GCM for one direction of one session. The nonce is 4 zero bytes ‖ a u64 frame counter that both ends
/// advance in step, so a nonce never repeats under a key, and a replayed, reordered, dropped or altered frame fails
/// authentication at the receiver. The counter is never allowed to wrap.
/// </summary>
internal sealed class SessionCipher : IDisposable
{
    public const int TagSize = 16;
    public const int KeySize = 32;
    private const int NonceSize = 12;

    private readonly AesGcm _aes;
    private ulong _counter;

    public SessionCipher(ReadOnlySpan<byte> key, ulong firstCounter = 0)
    {
        _aes = new AesGcm(key, TagSize);
        _counter = firstCounter;
    }

    /// <summary>The counter the next frame will use.</summary>
    public ulong NextCounter => _counter;

    /// <summary>Encrypts <paramref name="plaintext"/> into <paramref name="sealedFrame"/> (ciphertext ‖ tag, 16 bytes longer).</summary>
    public void Seal(ReadOnlySpan<byte> plaintext, Span<byte> sealedFrame)
    {
        Span<byte> nonce = stackalloc byte[NonceSize];
        NextNonce(nonce);
        _aes.Encrypt(nonce, plaintext, sealedFrame[..plaintext.Length], sealedFrame.Slice(plaintext.Length, TagSize));
    }

    /// <summary>Authenticates and decrypts ciphertext ‖ tag in place; returns the plaintext length.</summary>
    public int OpenInPlace(Span<byte> sealedFrame)
    {
        if (sealedFrame.Length < TagSize)
        {
            throw new PeerProtocolException($"sealed frame of {sealedFrame.Length} bytes is shorter than its {TagSize}-byte tag");
        }

        ulong counter = _counter;
        Span<byte> nonce = stackalloc byte[NonceSize];
        NextNonce(nonce);
        int length = sealedFrame.Length - TagSize;
        try
        {
            _aes.Decrypt(nonce, sealedFrame[..length], sealedFrame[length..], sealedFrame[..length]);
        }
        catch (AuthenticationTagMismatchException ex)
        {
            throw new PeerProtocolException($"sealed frame #{counter} failed authentication: it was tampered with, reordered, replayed or truncated", ex);
        }

        return length;
    }

    public void Dispose() => _aes.Dispose();

    private void NextNonce(Span<byte> nonce)
    {
        if (_counter == ulong.MaxValue)
        {
            throw new PeerProtocolException("the session's nonce counter is exhausted; the channel must be re-established");
        }

        nonce[..4].Clear();
        BinaryPrimitives.WriteUInt64BigEndian(nonce[4..], _counter++);
    }
}
