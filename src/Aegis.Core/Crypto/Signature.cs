namespace Aegis.Core.Crypto;

/// <summary>Both supported schemes produce 64-byte signatures (P-256 as r||s, Ed25519 as R||S), so one fixed size serves the wire format.</summary>
public static class Signature
{
    public const int Size = 64;
}
