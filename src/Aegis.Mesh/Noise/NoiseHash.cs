using System.Security.Cryptography;

namespace Aegis.Mesh.Noise;

/// <summary>
/// A Noise hash function (spec §4.3) with the HMAC and HKDF built on it (§4.3, RFC 2104/5869 as Noise uses them).
/// Handshakes only: a few dozen calls per handshake, so clarity beats avoiding the small allocations here.
/// </summary>
public abstract class NoiseHash
{
    public abstract string Name { get; }

    public abstract int HashLength { get; }

    /// <summary>The hash's internal block length, which HMAC pads its key to.</summary>
    public abstract int BlockLength { get; }

    public abstract void Hash(ReadOnlySpan<byte> data, Span<byte> output);

    public static NoiseHash Sha256 { get; } = new Platform("SHA256", 32, 64, (d, o) => SHA256.HashData(d, o));

    public static NoiseHash Sha512 { get; } = new Platform("SHA512", 64, 128, (d, o) => SHA512.HashData(d, o));

    public static NoiseHash Blake2b { get; } = new Platform("BLAKE2b", 64, 128, (d, o) => NSec.Cryptography.HashAlgorithm.Blake2b_512.Hash(d, o));

    public static NoiseHash? FromName(string name) => name switch
    {
        "SHA256" => Sha256,
        "SHA512" => Sha512,
        "BLAKE2b" => Blake2b,
        _ => null,
    };

    public byte[] HashConcat(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        byte[] joined = new byte[a.Length + b.Length];
        a.CopyTo(joined);
        b.CopyTo(joined.AsSpan(a.Length));
        var output = new byte[HashLength];
        Hash(joined, output.AsSpan());
        return output;
    }

    /// <summary>HMAC-HASH(key, data), generic over the hash so BLAKE2b gets the same construction as SHA-2.</summary>
    public byte[] Hmac(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data)
    {
        Span<byte> block = stackalloc byte[BlockLength];
        block.Clear();
        if (key.Length > BlockLength)
        {
            Hash(key, block[..HashLength]);
        }
        else
        {
            key.CopyTo(block);
        }

        var inner = new byte[BlockLength + data.Length];
        var outer = new byte[BlockLength + HashLength];
        for (int i = 0; i < BlockLength; i++)
        {
            inner[i] = (byte)(block[i] ^ 0x36);
            outer[i] = (byte)(block[i] ^ 0x5c);
        }

        data.CopyTo(inner.AsSpan(BlockLength));
        Hash(inner, outer.AsSpan(BlockLength));
        var result = new byte[HashLength];
        Hash(outer, result);
        return result;
    }

    /// <summary>Noise's HKDF: two or three outputs of HashLength bytes from the chaining key and input key material.</summary>
    public byte[][] Hkdf(ReadOnlySpan<byte> chainingKey, ReadOnlySpan<byte> inputKeyMaterial, int outputs)
    {
        if (outputs is < 2 or > 3)
        {
            throw new ArgumentOutOfRangeException(nameof(outputs), outputs, "Noise HKDF yields 2 or 3 outputs");
        }

        byte[] tempKey = Hmac(chainingKey, inputKeyMaterial);
        var result = new byte[outputs][];
        byte[] previous = [];
        for (int i = 0; i < outputs; i++)
        {
            var input = new byte[previous.Length + 1];
            previous.CopyTo(input, 0);
            input[^1] = (byte)(i + 1);
            previous = Hmac(tempKey, input);
            result[i] = previous;
        }

        CryptographicOperations.ZeroMemory(tempKey);
        return result;
    }

    private sealed class Platform(string name, int hashLength, int blockLength, Action<ReadOnlySpan<byte>, Span<byte>> hash) : NoiseHash
    {
        public override string Name => name;

        public override int HashLength => hashLength;

        public override int BlockLength => blockLength;

        public override void Hash(ReadOnlySpan<byte> data, Span<byte> output) => hash(data, output);
    }
}
