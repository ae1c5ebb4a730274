using System.Security.Cryptography;

namespace Aegis.Mesh.Noise;

/// <summary>Noise CipherState (spec §5.1): a key that may be empty and a counter nonce that never repeats.</summary>
public sealed class CipherState : IDisposable
{
    private readonly NoiseCipherKind _kind;
    private IAead? _aead;
    private byte[]? _key;

    public CipherState(NoiseCipherKind kind) => _kind = kind;

    public bool HasKey => _aead is not null;

    public ulong Nonce { get; private set; }

    /// <summary>The raw key, for <see cref="HandshakeState.Split"/> callers that move it into a transport session.</summary>
    internal ReadOnlySpan<byte> Key => _key;

    public void InitializeKey(ReadOnlySpan<byte> key)
    {
        _aead?.Dispose();
        if (_key is not null)
        {
            CryptographicOperations.ZeroMemory(_key);
        }

        _key = key.ToArray();
        _aead = NoiseCipher.Create(_kind, key);
        Nonce = 0;
    }

    public byte[] EncryptWithAd(ReadOnlySpan<byte> ad, ReadOnlySpan<byte> plaintext)
    {
        if (_aead is null)
        {
            return plaintext.ToArray();
        }

        // 2^64-1 is reserved by the spec; a session that gets near it must have rekeyed long before.
        if (Nonce == ulong.MaxValue)
        {
            throw new CryptographicException("noise: nonce exhausted");
        }

        var output = new byte[plaintext.Length + NoiseCipher.TagSize];
        Span<byte> nonce = stackalloc byte[NoiseCipher.NonceSize];
        NoiseCipher.Nonce(_kind, Nonce, nonce);
        _aead.Seal(nonce, plaintext, output.AsSpan(0, plaintext.Length), output.AsSpan(plaintext.Length), ad);
        Nonce++;
        return output;
    }

    /// <summary>Decrypts, or throws <see cref="CryptographicException"/> when the ciphertext does not authenticate (the nonce is then not advanced).</summary>
    public byte[] DecryptWithAd(ReadOnlySpan<byte> ad, ReadOnlySpan<byte> ciphertext)
    {
        if (_aead is null)
        {
            return ciphertext.ToArray();
        }

        if (ciphertext.Length < NoiseCipher.TagSize)
        {
            throw new CryptographicException($"noise: ciphertext of {ciphertext.Length} bytes is shorter than its tag");
        }

        if (Nonce == ulong.MaxValue)
        {
            throw new CryptographicException("noise: nonce exhausted");
        }

        var output = new byte[ciphertext.Length - NoiseCipher.TagSize];
        Span<byte> nonce = stackalloc byte[NoiseCipher.NonceSize];
        NoiseCipher.Nonce(_kind, Nonce, nonce);
        if (!_aead.Open(nonce, ciphertext[..output.Length], ciphertext[output.Length..], output, ad))
        {
            throw new CryptographicException("noise: message failed authentication");
        }

        Nonce++;
        return output;
    }

    public void Dispose()
    {
        _aead?.Dispose();
        if (_key is not null)
        {
            CryptographicOperations.ZeroMemory(_key);
        }
    }
}
