namespace Aegis.Mesh.Noise;

/// <summary>A full Noise protocol name, e.g. <c>Noise_IX_25519_AESGCM_SHA256</c> (spec §8): pattern, DH, cipher, hash.</summary>
public sealed record NoiseProtocol(string Name, HandshakePattern Pattern, NoiseCipherKind Cipher, NoiseHash Hash)
{
    /// <summary>What AegisRay speaks on the wire: IX (both sides send their certificate), X25519, SHA-256, either AEAD.</summary>
    public static NoiseProtocol Mesh(NoiseCipherKind cipher) => Parse($"Noise_IX_25519_{NoiseCipher.Name(cipher)}_SHA256")!;

    /// <summary>Null when any part is unknown or unsupported here (DH 448, BLAKE2s).</summary>
    public static NoiseProtocol? Parse(string name)
    {
        string[] parts = name.Split('_');
        if (parts.Length != 5 || parts[0] != "Noise" || parts[2] != "25519")
        {
            return null;
        }

        HandshakePattern? pattern = HandshakePattern.Parse(parts[1]);
        NoiseCipherKind? cipher = NoiseCipher.FromName(parts[3]);
        NoiseHash? hash = NoiseHash.FromName(parts[4]);
        return pattern is null || cipher is null || hash is null ? null : new NoiseProtocol(name, pattern, cipher.Value, hash);
    }
}
