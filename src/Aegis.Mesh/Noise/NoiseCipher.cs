using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Aegis.Mesh.Noise;

/// <summary>The two Noise AEADs (spec §5): 256-bit key, 64-bit counter nonce, 16-byte tag appended to the ciphertext.</summary>
public enum NoiseCipherKind
{
    ChaChaPoly,
    AesGcm,
}

public static class NoiseCipher
{
    public const int KeySize = 32;
    public const int TagSize = 16;
    public const int NonceSize = 12;

    public static string Name(NoiseCipherKind kind) => kind == NoiseCipherKind.AesGcm ? "AESGCM" : "ChaChaPoly";

    public static NoiseCipherKind? FromName(string name) => name switch
    {
        "ChaChaPoly" => NoiseCipherKind.ChaChaPoly,
        "AESGCM" => NoiseCipherKind.AesGcm,
        _ => null,
    };

    /// <summary>
    /// The 96-bit nonce for counter <paramref name="n"/>: 32 zero bits, then the counter little-endian for ChaChaPoly and
    /// big-endian for AES-GCM, as the spec defines them.
    /// </summary>
    public static void Nonce(NoiseCipherKind kind, ulong n, Span<byte> nonce)
    {
        nonce[..4].Clear();
        if (kind == NoiseCipherKind.AesGcm)
        {
            BinaryPrimitives.WriteUInt64BigEndian(nonce[4..], n);
        }
        else
        {
            BinaryPrimitives.WriteUInt64LittleEndian(nonce[4..], n);
        }
    }

    /// <summary>An AEAD instance for one key. Not thread-safe (it wraps one native cipher context).</summary>
    public static IAead Create(NoiseCipherKind kind, ReadOnlySpan<byte> key) =>
        kind == NoiseCipherKind.AesGcm ? new AesGcmAead(key) : new ChaChaAead(key);

    private sealed class AesGcmAead(ReadOnlySpan<byte> key) : IAead
    {
        private readonly AesGcm _aead = new(key, TagSize);

        public NoiseCipherKind Kind => NoiseCipherKind.AesGcm;

        public void Seal(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, Span<byte> ciphertext, Span<byte> tag, ReadOnlySpan<byte> ad) =>
            _aead.Encrypt(nonce, plaintext, ciphertext, tag, ad);

        public bool Open(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext, ReadOnlySpan<byte> ad)
        {
            try
            {
                _aead.Decrypt(nonce, ciphertext, tag, plaintext, ad);
                return true;
            }
            catch (AuthenticationTagMismatchException)
            {
                return false;
            }
        }

        public void Dispose() => _aead.Dispose();
    }

    private sealed class ChaChaAead(ReadOnlySpan<byte> key) : IAead
    {
        private readonly ChaCha20Poly1305 _aead = new(key);

        public NoiseCipherKind Kind => NoiseCipherKind.ChaChaPoly;

        public void Seal(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, Span<byte> ciphertext, Span<byte> tag, ReadOnlySpan<byte> ad) =>
            _aead.Encrypt(nonce, plaintext, ciphertext, tag, ad);

        public bool Open(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext, ReadOnlySpan<byte> ad)
        {
            try
            {
                _aead.Decrypt(nonce, ciphertext, tag, plaintext, ad);
                return true;
            }
            catch (AuthenticationTagMismatchException)
            {
                return false;
            }
        }

        public void Dispose() => _aead.Dispose();
    }
}

/// <summary>One AEAD key; the caller owns nonce discipline.</summary>
public interface IAead : IDisposable
{
    NoiseCipherKind Kind { get; }

    void Seal(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, Span<byte> ciphertext, Span<byte> tag, ReadOnlySpan<byte> ad);

    /// <summary>False when authentication fails; <paramref name="plaintext"/> is then unspecified.</summary>
    bool Open(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext, ReadOnlySpan<byte> ad);
}
