using System.Security.Cryptography;
using System.Text;

namespace Aegis.Mesh.Noise;

/// <summary>Noise SymmetricState (spec §5.2): the chaining key, the handshake hash and the current CipherState.</summary>
public sealed class SymmetricState : IDisposable
{
    private readonly NoiseHash _hash;
    private readonly NoiseCipherKind _cipher;
    private byte[] _ck;
    private byte[] _h;

    public SymmetricState(string protocolName, NoiseHash hash, NoiseCipherKind cipher)
    {
        _hash = hash;
        _cipher = cipher;
        byte[] name = Encoding.ASCII.GetBytes(protocolName);
        _h = new byte[hash.HashLength];
        if (name.Length <= hash.HashLength)
        {
            name.CopyTo(_h, 0);
        }
        else
        {
            hash.Hash(name, _h);
        }

        _ck = (byte[])_h.Clone();
        Cipher = new CipherState(cipher);
    }

    public CipherState Cipher { get; }

    public ReadOnlySpan<byte> HandshakeHash => _h;

    public void MixKey(ReadOnlySpan<byte> inputKeyMaterial)
    {
        byte[][] outputs = _hash.Hkdf(_ck, inputKeyMaterial, 2);
        _ck = outputs[0];
        Cipher.InitializeKey(outputs[1].AsSpan(0, NoiseCipher.KeySize));
        CryptographicOperations.ZeroMemory(outputs[1]);
    }

    public void MixHash(ReadOnlySpan<byte> data) => _h = _hash.HashConcat(_h, data);

    public void MixKeyAndHash(ReadOnlySpan<byte> inputKeyMaterial)
    {
        byte[][] outputs = _hash.Hkdf(_ck, inputKeyMaterial, 3);
        _ck = outputs[0];
        MixHash(outputs[1]);
        Cipher.InitializeKey(outputs[2].AsSpan(0, NoiseCipher.KeySize));
        CryptographicOperations.ZeroMemory(outputs[2]);
    }

    public byte[] EncryptAndHash(ReadOnlySpan<byte> plaintext)
    {
        byte[] ciphertext = Cipher.EncryptWithAd(_h, plaintext);
        MixHash(ciphertext);
        return ciphertext;
    }

    public byte[] DecryptAndHash(ReadOnlySpan<byte> ciphertext)
    {
        byte[] plaintext = Cipher.DecryptWithAd(_h, ciphertext);
        MixHash(ciphertext);
        return plaintext;
    }

    /// <summary>The two transport keys: the first encrypts initiator → responder, the second responder → initiator.</summary>
    public (byte[] InitiatorToResponder, byte[] ResponderToInitiator) Split()
    {
        byte[][] outputs = _hash.Hkdf(_ck, [], 2);
        return (outputs[0][..NoiseCipher.KeySize], outputs[1][..NoiseCipher.KeySize]);
    }

    public (CipherState InitiatorToResponder, CipherState ResponderToInitiator) SplitStates()
    {
        (byte[] k1, byte[] k2) = Split();
        var c1 = new CipherState(_cipher);
        var c2 = new CipherState(_cipher);
        c1.InitializeKey(k1);
        c2.InitializeKey(k2);
        CryptographicOperations.ZeroMemory(k1);
        CryptographicOperations.ZeroMemory(k2);
        return (c1, c2);
    }

    public void Dispose()
    {
        Cipher.Dispose();
        CryptographicOperations.ZeroMemory(_ck);
    }
}
