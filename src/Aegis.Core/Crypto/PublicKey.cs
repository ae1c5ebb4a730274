using System.Security.Cryptography;

namespace Aegis.Core.Crypto;

/// <summary>
/// A validator's public identity key. Text form is <c>algorithm:base64</c> (e.g. <c>ecdsa-p256:BASE64</c>), as written in genesis files.
/// Verification is thread-safe so that signature checks can run in parallel before messages enter the event loop.
/// </summary>
public sealed class PublicKey : IEquatable<PublicKey>
{
    /// <summary>P-256 keys are the raw uncompressed point X||Y (64 bytes); Ed25519 keys are 32 bytes.</summary>
    public static int SizeOf(KeyAlgorithm algorithm) => algorithm switch
    {
        KeyAlgorithm.EcdsaP256 => 64,
        KeyAlgorithm.Ed25519 => 32,
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "unknown key algorithm"),
    };

    private readonly byte[] _bytes;
    private readonly ISignatureVerifier _verifier;

    private PublicKey(PublicKey key, ISignatureVerifier verifier)
    {
        Algorithm = key.Algorithm;
        _bytes = key._bytes;
        _verifier = verifier;
        Fingerprint = key.Fingerprint;
    }

    private PublicKey(KeyAlgorithm algorithm, byte[] bytes)
    {
        Algorithm = algorithm;
        _bytes = bytes;
        _verifier = algorithm switch
        {
            KeyAlgorithm.EcdsaP256 => new EcdsaP256Verifier(bytes),
            KeyAlgorithm.Ed25519 => new Ed25519Verifier(bytes),
            _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "unknown key algorithm"),
        };
        Fingerprint = Hash32.Compute(Encode());
    }

    public KeyAlgorithm Algorithm { get; }

    public ReadOnlySpan<byte> Bytes => _bytes;

    /// <summary>SHA-256 of the encoded key; the stable short identity of a key.</summary>
    public Hash32 Fingerprint { get; }

    /// <summary>Builds a key from its raw bytes; throws <see cref="FormatException"/> naming the problem when they are not a valid key.</summary>
    public static PublicKey FromBytes(KeyAlgorithm algorithm, ReadOnlySpan<byte> bytes)
    {
        if (!Enum.IsDefined(algorithm))
        {
            throw new FormatException($"unknown key algorithm {(byte)algorithm}");
        }

        int expected = SizeOf(algorithm);
        if (bytes.Length != expected)
        {
            throw new FormatException($"a {AlgorithmName(algorithm)} public key is {expected} bytes, got {bytes.Length}");
        }

        try
        {
            return new PublicKey(algorithm, bytes.ToArray());
        }
        catch (CryptographicException ex)
        {
            throw new FormatException($"not a valid {AlgorithmName(algorithm)} public key: {ex.Message}", ex);
        }
    }

    /// <summary>Encoding used inside hashed structures: one algorithm byte followed by the raw key.</summary>
    public byte[] Encode()
    {
        var result = new byte[1 + _bytes.Length];
        result[0] = (byte)Algorithm;
        _bytes.CopyTo(result, 1);
        return result;
    }

    public static PublicKey Decode(ReadOnlySpan<byte> encoded)
    {
        if (encoded.IsEmpty)
        {
            throw new FormatException("empty public key");
        }

        return FromBytes((KeyAlgorithm)encoded[0], encoded[1..]);
    }

    public bool Verify(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature) =>
        signature.Length == Signature.Size && _verifier.Verify(message, signature);

    /// <summary>
    /// The same key (equal to this one) that remembers up to <paramref name="capacity"/> signatures it found valid, by
    /// a hash of message and signature, and accepts those again without the curve arithmetic. For a process that checks
    /// the same signatures over and over — the simulator, where a vote reaches every replica, then comes back inside
    /// certificates, view changes and sync chunks. Thread-safe; invalid signatures are never remembered.
    /// </summary>
    public PublicKey WithVerificationMemo(int capacity) => new(this, new MemoVerifier(_verifier, capacity));

    /// <summary>
    /// <paramref name="signer"/> (which must hold this key's private half), with each signature it makes entered in this
    /// key's memo (<see cref="WithVerificationMemo"/>): a signature the private key just made verifies by construction, so
    /// the memo only learns what the curve arithmetic would answer anyway, and nothing else gets in. The simulator signs
    /// every honest message this way, so its hosts' checks of those messages (every one of them still runs) cost a hash
    /// instead of a P-256 verification: 26% of a run's CPU before (dotnet-trace, 60 seeds, --faults all).
    /// </summary>
    public ISigner RememberSignaturesOf(ISigner signer)
    {
        if (_verifier is not MemoVerifier memo)
        {
            throw new InvalidOperationException("only a key made by WithVerificationMemo can remember signatures");
        }

        if (!signer.PublicKey.Equals(this))
        {
            throw new ArgumentException($"the signer holds {signer.PublicKey}, not {this}", nameof(signer));
        }

        return new RememberingSigner(signer, this, memo);
    }

    public static string AlgorithmName(KeyAlgorithm algorithm) => algorithm switch
    {
        KeyAlgorithm.EcdsaP256 => "ecdsa-p256",
        KeyAlgorithm.Ed25519 => "ed25519",
        _ => $"unknown({(byte)algorithm})",
    };

    public static KeyAlgorithm ParseAlgorithm(string name) => name switch
    {
        "ecdsa-p256" => KeyAlgorithm.EcdsaP256,
        "ed25519" => KeyAlgorithm.Ed25519,
        _ => throw new FormatException($"unknown key algorithm '{name}' (expected ecdsa-p256 or ed25519)"),
    };

    public override string ToString() => $"{AlgorithmName(Algorithm)}:{Convert.ToBase64String(_bytes)}";

    /// <summary>Parses the <c>algorithm:base64</c> text form.</summary>
    public static PublicKey Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            throw new FormatException("a public key is written 'algorithm:base64' (e.g. 'ecdsa-p256:...')");
        }

        KeyAlgorithm algorithm = ParseAlgorithm(text[..colon]);
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(text[(colon + 1)..]);
        }
        catch (FormatException)
        {
            throw new FormatException("the public key after 'algorithm:' is not valid base64");
        }

        return FromBytes(algorithm, bytes);
    }

    public bool Equals(PublicKey? other) =>
        other is not null && Algorithm == other.Algorithm && _bytes.AsSpan().SequenceEqual(other._bytes);

    public override bool Equals(object? obj) => obj is PublicKey other && Equals(other);

    public override int GetHashCode() => Fingerprint.GetHashCode();
}

internal interface ISignatureVerifier
{
    bool Verify(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature);
}

internal sealed class MemoVerifier(ISignatureVerifier inner, int capacity) : ISignatureVerifier
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Hash32, bool> _valid = new();

    // ConcurrentDictionary.Count takes every lock of the table: counted here instead (approximate under races, which
    // only moves the moment the memo is cleared).
    private int _count;

    public bool Verify(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        Hash32 key = Key(message, signature);
        if (_valid.ContainsKey(key))
        {
            return true;
        }

        if (!inner.Verify(message, signature))
        {
            return false;
        }

        Add(key);
        return true;
    }

    /// <summary>Enters a signature known valid (made by the private key itself, see <see cref="PublicKey.RememberSignaturesOf"/>).</summary>
    public void Remember(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature) => Add(Key(message, signature));

    private void Add(Hash32 key)
    {
        if (Interlocked.Increment(ref _count) > capacity)
        {
            // Bounded by forgetting everything at once: cheaper than tracking age, and correct either way.
            _valid.Clear();
            Interlocked.Exchange(ref _count, 1);
        }

        _valid.TryAdd(key, true);
    }

    private static Hash32 Key(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        // One-shot hashing over a stack copy for the common (small) case: an IncrementalHash per call cost a native
        // context allocation and release each time.
        int length = message.Length + signature.Length;
        if (length <= 1024)
        {
            Span<byte> both = stackalloc byte[length];
            message.CopyTo(both);
            signature.CopyTo(both[message.Length..]);
            return Hash32.Compute(both);
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(message);
        hash.AppendData(signature);
        Span<byte> digest = stackalloc byte[Hash32.Size];
        hash.GetHashAndReset(digest);
        return new Hash32(digest);
    }
}

/// <summary>A signer whose signatures its key's memo accepts without verifying them again.</summary>
internal sealed class RememberingSigner(ISigner inner, PublicKey key, MemoVerifier memo) : ISigner
{
    public PublicKey PublicKey => key;

    public void Sign(ReadOnlySpan<byte> message, Span<byte> signature)
    {
        inner.Sign(message, signature);
        memo.Remember(message, signature);
    }
}
