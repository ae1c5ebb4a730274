namespace Aegis.Core.Crypto;

/// <summary>Holds a private identity key. Implementations are thread-safe.</summary>
public interface ISigner
{
    PublicKey PublicKey { get; }

    /// <summary>Signs <paramref name="message"/> into <paramref name="signature"/>, which is <see cref="Signature.Size"/> bytes.</summary>
    void Sign(ReadOnlySpan<byte> message, Span<byte> signature);
}
