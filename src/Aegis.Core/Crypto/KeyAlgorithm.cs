namespace Aegis.Core.Crypto;

/// <summary>The signature schemes a validator identity may use. The byte value is part of the wire format.</summary>
public enum KeyAlgorithm : byte
{
    /// <summary>ECDSA over NIST P-256 with SHA-256, IEEE P1363 signatures; the fast default (platform OpenSSL).</summary>
    EcdsaP256 = 1,

    /// <summary>Ed25519 (RFC 8032), managed implementation; deterministic signatures.</summary>
    Ed25519 = 2,
}
